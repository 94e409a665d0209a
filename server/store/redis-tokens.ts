/**
 * The Redis store's emailed tokens (`TokenStore`). A token is a hash under
 * `<prefix>token:<sha256>` (purpose, accountId, email, credentialVersion, expiresAt) that
 * Redis drops at its expiry; the token itself is never sent to Redis. Its account's
 * `<prefix>account-tokens:<account id>` set files its hash, for deleting the account. Using one is a Lua
 * script that checks and deletes it in one step, so exactly one caller on any instance
 * gets it.
 */
import type { Redis } from 'ioredis';
import { defineScript } from './redis-script.ts';
import type { TokenCheck, TokenPurpose, TokenStore } from './store.ts';

/**
 * Stores a token until its expiry, and files its hash under its account (so deleting the
 * account deletes it: redis.ts DELETE_ACCOUNT). The index lives as long as its longest-lived
 * token; hashes of tokens gone (used, expired) are pruned here, so it holds few.
 * KEYS: token, account's token index. ARGV: purpose, accountId, email, credentialVersion,
 * expiresAt, ttl in ms, hash, token key prefix.
 */
const PUT_TOKEN = `
redis.call('HSET', KEYS[1], 'purpose', ARGV[1], 'accountId', ARGV[2], 'email', ARGV[3],
  'credentialVersion', ARGV[4], 'expiresAt', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
for _, filed in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[8] .. filed) == 0 then
    redis.call('SREM', KEYS[2], filed)
  end
end
redis.call('SADD', KEYS[2], ARGV[7])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[6]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
return 0
`;

/**
 * Judges a token and, when asked to use it, deletes it in the same step. A token of another
 * purpose is left alone. KEYS: token, its account's hash. ARGV: purpose, now (ms, the
 * store's clock), account id, '1' to use it. Returns { verdict, email, credentialVersion,
 * expiresAt }, the verdict being ok, unknown, expired or stale.
 */
const JUDGE_TOKEN = `
local t = redis.call('HMGET', KEYS[1], 'purpose', 'accountId', 'email', 'credentialVersion', 'expiresAt')
if not t[1] or t[1] ~= ARGV[1] or t[2] ~= ARGV[3] then
  return {'unknown'}
end
local verdict = 'ok'
if tonumber(t[5]) <= tonumber(ARGV[2]) then
  verdict = 'expired'
elseif redis.call('EXISTS', KEYS[2]) == 0 then
  verdict = 'stale'
elseif (redis.call('HGET', KEYS[2], 'credentialVersion') or '0') ~= t[4] then
  verdict = 'stale'
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1])
end
return {verdict, t[3], t[4], t[5]}
`;

export function redisTokens(client: Redis, prefix: string, now: () => number): TokenStore {
  const key = (hash: string) => `${prefix}token:${hash}`;
  const put = defineScript(client, 'batonPutToken', PUT_TOKEN, 2);
  const judge = defineScript<string[]>(client, 'batonJudgeToken', JUDGE_TOKEN, 2);

  const run = async (hash: string, purpose: TokenPurpose, use: boolean): Promise<TokenCheck> => {
    // The account's key is part of the script's declared keys, so its id is read first; the
    // script checks that the token still names that account.
    const accountId = await client.hget(key(hash), 'accountId');
    if (accountId === null) return { ok: false, reason: 'unknown' };
    const [verdict, email, version, expiresAt] = await judge(
      key(hash),
      `${prefix}account:${accountId}`,
      purpose,
      String(now()),
      accountId,
      use ? '1' : '0',
    );
    if (verdict === 'unknown' || verdict === 'expired' || verdict === 'stale') {
      return { ok: false, reason: verdict };
    }
    if (verdict !== 'ok') throw new Error(`the token script answered ${String(verdict)}`);
    const token = {
      hash,
      purpose,
      accountId,
      email: email as string,
      credentialVersion: Number(version),
      expiresAt: Number(expiresAt),
    };
    return { ok: true, token };
  };

  return {
    async put(token) {
      const ttlMs = token.expiresAt - now();
      // Already expired: nothing to keep (PEXPIRE needs a positive ttl).
      if (ttlMs <= 0) return;
      await put(
        key(token.hash),
        `${prefix}account-tokens:${token.accountId}`,
        token.purpose,
        token.accountId,
        token.email,
        String(token.credentialVersion),
        String(token.expiresAt),
        String(Math.ceil(ttlMs)),
        token.hash,
        key(''),
      );
    },
    check: (hash, purpose) => run(hash, purpose, false),
    consume: (hash, purpose) => run(hash, purpose, true),
  };
}
