/**
 * Passkeys and their ceremony challenges on Redis, under the store's prefix:
 *
 *   <prefix>passkey:<credential id>         hash: id, accountId, publicKey (base64url),
 *                                           counter, transports (JSON), name, createdAt,
 *                                           lastUsedAt (once used)
 *   <prefix>account-passkeys:<account id>   sorted set: the account's credential ids,
 *                                           scored by createdAt
 *   <prefix>passkey-challenge:<key>         string "<expiresAt>:<challenge>", expiring with
 *                                           the challenge (PX)
 *
 * Writes that check before they change (an id not yet filed, a counter moving forward, a
 * passkey of this account) are Lua scripts; a challenge is taken with GETDEL. Each is one
 * step on the Redis every instance shares.
 */
import type { Redis } from 'ioredis';
import { defineScript } from './redis-script.ts';
import type { ChallengeStore, PasskeyStore, StoredPasskey } from './store.ts';

/**
 * KEYS: passkey hash, account set. ARGV: id, accountId, publicKey, counter, transports,
 * name, createdAt, lastUsedAt ('' for never). 0 when the id is already filed.
 */
const ADD = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'accountId', ARGV[2], 'publicKey', ARGV[3],
  'counter', ARGV[4], 'transports', ARGV[5], 'name', ARGV[6], 'createdAt', ARGV[7])
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[8])
end
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
return 1
`;

/** KEYS: passkey hash. ARGV: accountId, name. */
const RENAME = `
if redis.call('HGET', KEYS[1], 'accountId') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'name', ARGV[2])
return 1
`;

/** KEYS: passkey hash. ARGV: counter, usedAt. See PasskeyStore.recordUse. */
const RECORD_USE = `
local stored = redis.call('HGET', KEYS[1], 'counter')
if not stored then
  return 0
end
stored = tonumber(stored)
local counter = tonumber(ARGV[1])
if counter > stored or (stored == 0 and counter == 0) then
  redis.call('HSET', KEYS[1], 'counter', ARGV[1], 'lastUsedAt', ARGV[2])
  return 1
end
return 0
`;

/** KEYS: passkey hash, account set. ARGV: accountId, id. */
const REMOVE = `
if redis.call('HGET', KEYS[1], 'accountId') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

/**
 * KEYS: account set. ARGV: passkey key prefix, accountId. Deletes only passkeys that are
 * still this account's. Returns how many it deleted.
 */
const REMOVE_ALL = `
local removed = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. id
  if redis.call('HGET', key, 'accountId') == ARGV[2] then
    redis.call('DEL', key)
    removed = removed + 1
  end
end
redis.call('DEL', KEYS[1])
return removed
`;

function toPasskey(fields: Record<string, string>): StoredPasskey | null {
  const { id, accountId, publicKey, counter, transports, name, createdAt, lastUsedAt } = fields;
  if (
    id === undefined ||
    accountId === undefined ||
    publicKey === undefined ||
    counter === undefined ||
    transports === undefined ||
    name === undefined ||
    createdAt === undefined
  )
    return null;
  return {
    id,
    accountId,
    publicKey: new Uint8Array(Buffer.from(publicKey, 'base64url')),
    counter: Number(counter),
    transports: JSON.parse(transports) as string[],
    name,
    createdAt: Number(createdAt),
    lastUsedAt: lastUsedAt === undefined ? null : Number(lastUsedAt),
  };
}

export function redisPasskeyStore(client: Redis, prefix: string): PasskeyStore {
  const passkeyKey = (id: string) => `${prefix}passkey:${id}`;
  const accountKey = (accountId: string) => `${prefix}account-passkeys:${accountId}`;
  const add = defineScript(client, 'batonAddPasskey', ADD, 2);
  const rename = defineScript(client, 'batonRenamePasskey', RENAME, 1);
  const recordUse = defineScript(client, 'batonRecordPasskeyUse', RECORD_USE, 1);
  const remove = defineScript(client, 'batonRemovePasskey', REMOVE, 2);
  const removeAll = defineScript(client, 'batonRemoveAllPasskeys', REMOVE_ALL, 1);

  return {
    async add(passkey) {
      const reply = await add(
        passkeyKey(passkey.id),
        accountKey(passkey.accountId),
        passkey.id,
        passkey.accountId,
        Buffer.from(passkey.publicKey).toString('base64url'),
        String(passkey.counter),
        JSON.stringify(passkey.transports),
        passkey.name,
        String(passkey.createdAt),
        passkey.lastUsedAt === null ? '' : String(passkey.lastUsedAt),
      );
      return reply === 1;
    },
    async findById(id) {
      return toPasskey(await client.hgetall(passkeyKey(id)));
    },
    async listForAccount(accountId) {
      const ids = await client.zrange(accountKey(accountId), '0', '-1');
      if (ids.length === 0) return [];
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.hgetall(passkeyKey(id));
      const replies = (await pipeline.exec()) ?? [];
      const passkeys: StoredPasskey[] = [];
      for (const [error, fields] of replies) {
        if (error) throw error;
        const passkey = toPasskey(fields as Record<string, string>);
        // One removed between the two reads is simply no longer listed.
        if (passkey?.accountId === accountId) passkeys.push(passkey);
      }
      return passkeys;
    },
    async rename(accountId, id, name) {
      return (await rename(passkeyKey(id), accountId, name)) === 1;
    },
    async recordUse(id, counter, usedAt) {
      return (await recordUse(passkeyKey(id), String(counter), String(usedAt))) === 1;
    },
    async remove(accountId, id) {
      return (await remove(passkeyKey(id), accountKey(accountId), accountId, id)) === 1;
    },
    removeAll(accountId) {
      return removeAll(accountKey(accountId), passkeyKey(''), accountId);
    },
  };
}

export function redisChallengeStore(
  client: Redis,
  prefix: string,
  now: () => number,
): ChallengeStore {
  const key = (name: string) => `${prefix}passkey-challenge:${name}`;
  return {
    async put(name, challenge, expiresAt) {
      const ttlMs = expiresAt - now();
      // PX must be positive; an already expired challenge replaces the one there with none.
      if (ttlMs <= 0) {
        await client.del(key(name));
        return;
      }
      await client.set(key(name), `${expiresAt}:${challenge}`, 'PX', Math.ceil(ttlMs));
    },
    async take(name) {
      // GETDEL: only one of racing callers gets the value back.
      const value = await client.getdel(key(name));
      if (value === null) return null;
      const colon = value.indexOf(':');
      // Redis expires it by its own clock; the store's clock decides too, as on SQLite.
      if (colon < 0 || Number(value.slice(0, colon)) <= now()) return null;
      return value.slice(colon + 1);
    },
  };
}
