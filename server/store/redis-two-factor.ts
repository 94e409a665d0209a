/**
 * Authenticator-app state and recovery codes on Redis, under the store's prefix:
 *
 *   <prefix>two-factor:<account id>      hash: secret, enabledAt, lastStep (sealed secret
 *                                        and step while on), pendingSecret, pendingAt (a
 *                                        setup not yet confirmed)
 *   <prefix>recovery-codes:<account id>  set: the SHA-256 hashes of the unused codes
 *
 * Each write that checks before it changes is one Lua script, so Redis runs the check and
 * the change as one step for every instance sharing it. Listing every secret (for a reseal
 * sweep) walks the state hashes with SCAN, never KEYS, which would hold Redis up for the
 * whole keyspace at once.
 */
import type { Redis } from 'ioredis';
import { defineScript } from './redis-script.ts';
import type { SealedSecretPage, TwoFactorRecord, TwoFactorStore } from './store.ts';

/**
 * Promotes the pending secret when it is still ARGV[1]; replaces the codes.
 * KEYS: state hash, codes set. ARGV: sealed secret, step, enabledAt, code hashes...
 */
const ENABLE = `
if redis.call('HGET', KEYS[1], 'pendingSecret') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'enabledAt', ARGV[3], 'lastStep', ARGV[2])
redis.call('HDEL', KEYS[1], 'pendingSecret', 'pendingAt')
redis.call('DEL', KEYS[2])
if #ARGV > 3 then
  redis.call('SADD', KEYS[2], unpack(ARGV, 4))
end
return 1
`;

/** KEYS: state hash. ARGV: step. 1 when on and the step is newer than the last accepted. */
const ACCEPT_STEP = `
if redis.call('HEXISTS', KEYS[1], 'secret') == 0 then
  return 0
end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastStep') or '0')
if tonumber(ARGV[1]) <= last then
  return 0
end
redis.call('HSET', KEYS[1], 'lastStep', ARGV[1])
return 1
`;

/** KEYS: state hash, codes set. ARGV: code hash. 1 for the one caller that removed it. */
const USE_CODE = `
if redis.call('HEXISTS', KEYS[1], 'secret') == 0 then
  return 0
end
return redis.call('SREM', KEYS[2], ARGV[1])
`;

/** KEYS: state hash, codes set. ARGV: code hashes... 1 when on (and replaced). */
const REPLACE_CODES = `
if redis.call('HEXISTS', KEYS[1], 'secret') == 0 then
  return 0
end
redis.call('DEL', KEYS[2])
if #ARGV > 0 then
  redis.call('SADD', KEYS[2], unpack(ARGV))
end
return 1
`;

/** KEYS: state hash. ARGV: previous sealed secret, new sealed secret. */
const RESEAL = `
if redis.call('HGET', KEYS[1], 'secret') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'secret', ARGV[2])
return 1
`;

/** KEYS: state hash, codes set. Returns 1 when it was on. */
const DISABLE = `
local on = redis.call('HEXISTS', KEYS[1], 'secret')
redis.call('DEL', KEYS[1], KEYS[2])
return on
`;

/** SCAN calls one page may make before it answers, however few secrets they found. */
const SCANS_PER_PAGE = 10;

/** `text` as a SCAN MATCH pattern that matches only itself (glob characters escaped). */
function literalPattern(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function toRecord(fields: Record<string, string>, codesLeft: number): TwoFactorRecord | null {
  if (Object.keys(fields).length === 0) return null;
  const { secret, enabledAt, lastStep, pendingSecret, pendingAt } = fields;
  return {
    sealedSecret: secret ?? null,
    enabledAt: enabledAt === undefined ? null : Number(enabledAt),
    lastStep: Number(lastStep ?? 0),
    pending:
      pendingSecret === undefined
        ? null
        : { sealedSecret: pendingSecret, createdAt: Number(pendingAt ?? 0) },
    recoveryCodesLeft: codesLeft,
  };
}

export function redisTwoFactorStore(client: Redis, prefix: string): TwoFactorStore {
  const stateKey = (accountId: string) => `${prefix}two-factor:${accountId}`;
  const codesKey = (accountId: string) => `${prefix}recovery-codes:${accountId}`;
  const enable = defineScript(client, 'batonEnableTwoFactor', ENABLE, 2);
  const acceptStep = defineScript(client, 'batonAcceptTotpStep', ACCEPT_STEP, 1);
  const useCode = defineScript(client, 'batonUseRecoveryCode', USE_CODE, 2);
  const replaceCodes = defineScript(client, 'batonReplaceRecoveryCodes', REPLACE_CODES, 2);
  const reseal = defineScript(client, 'batonResealTotpSecret', RESEAL, 1);
  const disable = defineScript(client, 'batonDisableTwoFactor', DISABLE, 2);
  const statePrefix = `${prefix}two-factor:`;
  const stateMatch = `${literalPattern(statePrefix)}*`;

  /** The `secret` field of each hash, in one round trip (null where there is none). */
  const readSecrets = async (keys: readonly string[]): Promise<Array<string | null>> => {
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.hget(key, 'secret');
    const replies = (await pipeline.exec()) ?? [];
    return keys.map((_, i) => {
      const [error, value] = replies[i] ?? [new Error('Redis dropped a reply to the secrets read')];
      if (error) throw error;
      return typeof value === 'string' ? value : null;
    });
  };

  return {
    async get(accountId) {
      // MULTI: the state and the count of codes are read as of one moment.
      const replies = await client
        .multi()
        .hgetall(stateKey(accountId))
        .scard(codesKey(accountId))
        .exec();
      const [state, count] = replies ?? [];
      if (!state || !count || state[0] || count[0]) {
        throw state?.[0] ?? count?.[0] ?? new Error('Redis discarded the two-factor read');
      }
      return toRecord(state[1] as Record<string, string>, count[1] as number);
    },
    async setPending(accountId, sealedSecret, createdAt) {
      await client.hset(stateKey(accountId), {
        pendingSecret: sealedSecret,
        pendingAt: String(createdAt),
      });
    },
    async enable(accountId, sealedSecret, step, hashes, enabledAt) {
      const reply = await enable(
        stateKey(accountId),
        codesKey(accountId),
        sealedSecret,
        String(step),
        String(enabledAt),
        ...hashes,
      );
      return reply === 1;
    },
    async acceptStep(accountId, step) {
      return (await acceptStep(stateKey(accountId), String(step))) === 1;
    },
    async useRecoveryCode(accountId, codeHash) {
      return (await useCode(stateKey(accountId), codesKey(accountId), codeHash)) === 1;
    },
    async replaceRecoveryCodes(accountId, hashes) {
      return (await replaceCodes(stateKey(accountId), codesKey(accountId), ...hashes)) === 1;
    },
    async reseal(accountId, previous, sealedSecret) {
      return (await reseal(stateKey(accountId), previous, sealedSecret)) === 1;
    },
    async disable(accountId) {
      return (await disable(stateKey(accountId), codesKey(accountId))) === 1;
    },
    async sealedSecrets(cursor, limit): Promise<SealedSecretPage> {
      // SCAN's COUNT is how many slots of the keyspace one call looks at, not how many keys
      // match: a few calls per page keep pages from coming back empty on a Redis that
      // holds mostly other keys, and each call stays short.
      let at = cursor ?? '0';
      const keys: string[] = [];
      for (let scans = 0; scans < SCANS_PER_PAGE && keys.length < limit; scans++) {
        const [next, found] = await client.scan(at, 'MATCH', stateMatch, 'COUNT', limit);
        keys.push(...found);
        at = next;
        if (at === '0') break;
      }
      const replies = keys.length === 0 ? [] : await readSecrets(keys);
      const entries: SealedSecretPage['entries'] = [];
      keys.forEach((key, i) => {
        const secret = replies[i];
        // A pending setup's hash has no secret yet; a hash removed since the SCAN has none.
        if (typeof secret === 'string') {
          entries.push({ accountId: key.slice(statePrefix.length), sealedSecret: secret });
        }
      });
      return { entries, next: at === '0' ? null : at };
    },
  };
}
