/**
 * The Redis store's change of an account's email (`AccountStore.changeEmail`): one Lua
 * script, so every instance sees the account under its old address or its new one, never
 * both or neither. `SET NX` on the new address's index (`<prefix>email:<email>`) decides
 * who gets an address, as creating an account does, so two accounts moving to one address
 * at once get it once. The old index is deleted only while it still names this account. The
 * same script confirms the new address (`emailConfirmedAt`, the move's own time).
 */
import type { Redis } from 'ioredis';
import { normalizeEmail } from '../../shared/forms.ts';
import { defineScript } from './redis-script.ts';
import type { AccountStore } from './store.ts';

/**
 * KEYS: account hash, the new address's index. ARGV: account id, the credential version it
 * must be at, the new address, key prefix (the old index's key is named by the account's
 * own data, so it is built here, as redis.ts DELETE_ACCOUNT does), the confirmation time (ms).
 * Returns {'stale'}, {'taken'}, or {'ok', previous email, new credential version}.
 */
const CHANGE_EMAIL = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'stale'}
end
if (redis.call('HGET', KEYS[1], 'credentialVersion') or '0') ~= ARGV[2] then
  return {'stale'}
end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then
  return {'taken'}
end
local previous = redis.call('HGET', KEYS[1], 'email')
redis.call('HSET', KEYS[1], 'email', ARGV[3], 'emailConfirmedAt', ARGV[5])
local index = ARGV[4] .. 'email:' .. previous
if redis.call('GET', index) == ARGV[1] then
  redis.call('DEL', index)
end
local version = redis.call('HINCRBY', KEYS[1], 'credentialVersion', 1)
return {'ok', previous, tostring(version)}
`;

export function redisChangeEmail(client: Redis, prefix: string): AccountStore['changeEmail'] {
  const change = defineScript<string[]>(client, 'batonChangeEmail', CHANGE_EMAIL, 2);
  return async (id, credentialVersion, newEmail, confirmedAt) => {
    const email = normalizeEmail(newEmail);
    const [verdict, previous, version] = await change(
      `${prefix}account:${id}`,
      `${prefix}email:${email}`,
      id,
      String(credentialVersion),
      email,
      prefix,
      String(confirmedAt),
    );
    if (verdict === 'stale' || verdict === 'taken') return { ok: false, reason: verdict };
    if (verdict !== 'ok' || previous === undefined || version === undefined)
      throw new Error(`the change-email script answered ${String(verdict)}`);
    return { ok: true, previousEmail: previous, credentialVersion: Number(version) };
  };
}
