/**
 * The Redis store, for several instances sharing one Redis (`STORE_URL=redis://host:port/db`).
 * Every key sits under one prefix (default `baton:`), so several Batons, or test runs, can
 * share a Redis:
 *
 *   <prefix>account:<id>     hash: id, email, passwordHash, createdAt, credentialVersion
 *                            once a password or email change has moved it on (absent: 0),
 *                            and emailConfirmedAt once the email is confirmed (absent: not)
 *   <prefix>email:<email>    string: the account's id (the unique email index)
 *   <prefix>session:<ref>    string: the session's JSON, expiring with it (PX)
 *   <prefix>account-sessions:<id>  set: the refs of the account's sessions, kept as long
 *                            as its longest-lived session; refs of ended sessions are pruned
 *                            a batch at a time as sessions are filed, so it holds the live
 *                            ones plus those ended since the last pass over it
 *   <prefix>account-sessions:<id>:prune  string: where in that set the next batch starts
 *                            (an SSCAN cursor), expiring with it
 *   <prefix>handoff:<id>     string "1": a redeemed handoff, expiring with the handoff
 *   <prefix>token:<sha256>   hash: an emailed token's purpose, accountId, email,
 *                            credentialVersion and expiresAt, expiring with it (redis-tokens.ts)
 *   <prefix>account-tokens:<id>  set: the hashes of the account's tokens, so deleting the
 *                            account deletes them (redis-tokens.ts)
 *   <prefix>mailbox          list: the dev mailbox's emails as JSON, newest first
 *                            (redis-mailbox.ts)
 *
 * Authenticator apps and recovery codes (redis-two-factor.ts), passkeys and their challenges
 * (redis-passkeys.ts) and the browsers each account has signed in from (redis-devices.ts)
 * keep their keys under the same prefix; those modules list them.
 *
 * Redis expires keys on its own clock, so there is nothing to sweep. The two account keys
 * are written by one Lua script; on a Redis Cluster they would need a shared hash tag, which
 * is why only a single Redis (or a primary with replicas) is supported.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { normalizeEmail } from '../../shared/forms.ts';
import { redisChangeEmail } from './redis-change-email.ts';
import {
  COMMAND_TIMEOUT_MS,
  connectRedis,
  type RedisConnection,
  RedisUnavailableError,
  withTimeout,
} from './redis-connection.ts';
import { redisKnownDevices } from './redis-devices.ts';
import { redisMailbox } from './redis-mailbox.ts';
import { redisChallengeStore, redisPasskeyStore } from './redis-passkeys.ts';
import { defineScript } from './redis-script.ts';
import { redisTokens } from './redis-tokens.ts';
import { redisTwoFactorStore } from './redis-two-factor.ts';
import type {
  Account,
  AccountStore,
  HandoffLedger,
  RedeemResult,
  SessionData,
  SessionStore,
  Store,
  StoredSession,
} from './store.ts';

export const DEFAULT_REDIS_PREFIX = 'baton:';
/**
 * How long `ping()` waits for PONG. Below the command timeout, so `/healthz` answers 503
 * well within its 1.5 s budget while Redis is down.
 */
export const PING_TIMEOUT_MS = 750;

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port/db`, or `rediss://` for TLS. */
  url: string;
  /** Put before every key. Default `baton:`. */
  prefix?: string;
  /** Replaces `Date.now` when deciding whether a handoff has already expired. */
  now?: () => number;
}

export type RedisStore = Store & {
  readonly kind: 'redis';
  readonly prefix: string;
  /** The connection, for things that keep their own keys beside the store's (rate limiters). */
  readonly client: Redis;
};

/**
 * Creates an account and its email index in one step. `SET NX` on the index decides who
 * gets the email; only that caller writes the hash, so no half-made account is ever seen.
 * KEYS: email index, account hash. ARGV: id, email, passwordHash, createdAt.
 */
const CREATE_ACCOUNT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('HSET', KEYS[2], 'id', ARGV[1], 'email', ARGV[2], 'passwordHash', ARGV[3], 'createdAt', ARGV[4])
  return 1
end
return 0
`;

/** Replaces the hash of an existing account; an unknown id must not create a partial hash. */
const UPDATE_HASH = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
end
return 0
`;

/**
 * Sets a new password: the hash and the credential version move together.
 * KEYS: account hash. ARGV: passwordHash. Returns the new version, or -1 for no account.
 */
const CHANGE_PASSWORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'credentialVersion', 1)
`;

/**
 * Marks the email confirmed, only while the account's email is still ARGV[1]; the first
 * confirmation's time is kept (HSETNX). KEYS: account hash. ARGV: email, time (ms).
 * Returns 1 when the account has that email, 0 otherwise.
 */
const CONFIRM_EMAIL = `
if redis.call('HGET', KEYS[1], 'email') ~= ARGV[1] then
  return 0
end
redis.call('HSETNX', KEYS[1], 'emailConfirmedAt', ARGV[2])
return 1
`;

/**
 * Lua shared by the scripts that write a session: stores it and files its ref under its
 * account, in one step, so no session of an account can escape `destroyForAccount`. The
 * index lives at least as long as the session. Refs whose sessions have ended (expired,
 * destroyed) are pruned here, so the index of an account that signs in again and again
 * does not grow without bound: a batch of refs per write (SSCAN from where the last write
 * stopped, about PRUNE_BATCH refs), not the whole set. Checking every ref made each sign-in
 * cost as much Redis time as the account had sessions, and Redis runs one script at a
 * time: an account signed in thousands of times (a script that keeps no cookies does that)
 * slowed every instance's store. `session_prefix` .. ref is a session's key.
 */
const PRUNE_BATCH = 100;
/** Appended to an account's session index: the key of its pruning cursor. */
const PRUNE_CURSOR = ':prune';
const WRITE_SESSION = `
local function write_session(key, index, json, ttl, ref, session_prefix)
  local cursor_key = index .. '${PRUNE_CURSOR}'
  local scanned = redis.call('SSCAN', index, redis.call('GET', cursor_key) or '0',
    'COUNT', ${PRUNE_BATCH})
  for _, filed in ipairs(scanned[2]) do
    if redis.call('EXISTS', session_prefix .. filed) == 0 then
      redis.call('SREM', index, filed)
    end
  end
  if scanned[1] == '0' then
    redis.call('DEL', cursor_key)
  else
    redis.call('SET', cursor_key, scanned[1], 'PX', ttl)
  end
  redis.call('SET', key, json, 'PX', ttl)
  redis.call('SADD', index, ref)
  if redis.call('PTTL', index) < tonumber(ttl) then
    redis.call('PEXPIRE', index, ttl)
  end
end
`;

/**
 * Writes a session. KEYS: session key, account index. ARGV: JSON, ttl in ms, ref, session
 * key prefix.
 */
const SET_SESSION = `${WRITE_SESSION}
write_session(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 0
`;

/**
 * Rewrites a session only while it exists (SET XX), so a touch racing a sign-out cannot
 * bring the session back; never files it under its account again (no SADD), only keeps an
 * existing index alive as long as the session. KEYS: session key, account index (or the
 * session key again when it has no account). ARGV: JSON, ttl in ms.
 * Returns 1 when the session was there, 0 otherwise.
 */
const TOUCH_SESSION = `
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX') then
  return 0
end
if KEYS[2] ~= KEYS[1] then
  local pttl = redis.call('PTTL', KEYS[2])
  if pttl >= 0 and pttl < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  end
end
return 1
`;

/**
 * Redeems a handoff: consumes its id (SET NX) and, only if that was the first time, writes
 * the session and deletes the one it replaces. One script, checked before its first write,
 * so Redis runs all of it or none.
 * With a sealed credential version, it first checks that the account hash still exists at
 * that version (a missing field is version 0), and writes nothing otherwise.
 * KEYS: handoff key, session key, account index, replaced session key, account hash.
 * ARGV: handoff ttl in ms, JSON, session ttl in ms, ref, '1' when there is a session to
 * replace, the sealed credential version ('' for no check), session key prefix.
 * Returns 1 when redeemed, 0 when the id was already used, 2 when the credentials are stale.
 */
const REDEEM = `${WRITE_SESSION}
-- Redis does not undo a script that fails part-way: refuse before writing anything when a
-- key the script writes holds another type (only a foreign writer could have put it there).
local index_type = redis.call('TYPE', KEYS[3])['ok']
if index_type ~= 'none' and index_type ~= 'set' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[3] .. ' is not a set')
end
if ARGV[6] ~= '' then
  if redis.call('EXISTS', KEYS[5]) == 0 then
    return 2
  end
  local version = redis.call('HGET', KEYS[5], 'credentialVersion') or '0'
  if version ~= ARGV[6] then
    return 2
  end
end
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  return 0
end
write_session(KEYS[2], KEYS[3], ARGV[2], ARGV[3], ARGV[4], ARGV[7])
if ARGV[5] == '1' then
  redis.call('DEL', KEYS[4])
end
return 1
`;

/**
 * Deletes every session filed under an account but one, and their index entries. A ref
 * stays filed after its session ends until the account's next session write prunes it, and
 * a session may have been signed in to another account since, so each session is read
 * first: only one still signed in to this account is deleted.
 * KEYS: account index. ARGV: session key prefix, ref to keep ('' for none), account id.
 * Returns the refs whose sessions it deleted.
 */
const DESTROY_FOR_ACCOUNT = `
local ended = {}
for _, ref in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if ref ~= ARGV[2] then
    local json = redis.call('GET', ARGV[1] .. ref)
    if json then
      local ok, data = pcall(cjson.decode, json)
      if ok and type(data) == 'table' and data.accountId == ARGV[3] then
        redis.call('DEL', ARGV[1] .. ref)
        table.insert(ended, ref)
      end
    end
    redis.call('SREM', KEYS[1], ref)
  end
end
return ended
`;

/**
 * Deletes the account's session whose handle is ARGV[3], reading each filed session as
 * DESTROY_FOR_ACCOUNT does (only one still signed in to this account counts).
 * KEYS: account index. ARGV: session key prefix, account id, handle.
 * Returns the ref it deleted, or nil.
 */
const DESTROY_BY_HANDLE = `
for _, ref in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local json = redis.call('GET', ARGV[1] .. ref)
  if json then
    local ok, data = pcall(cjson.decode, json)
    if ok and type(data) == 'table' and data.accountId == ARGV[2] and data.handle == ARGV[3] then
      redis.call('DEL', ARGV[1] .. ref)
      redis.call('SREM', KEYS[1], ref)
      return ref
    end
  end
end
return nil
`;

/**
 * Deletes an account and everything kept for it, in one script, so no instance sees it half
 * gone: its sessions (those still signed in to it, as DESTROY_FOR_ACCOUNT reads them), its
 * tokens, passkeys, two-factor state and recovery codes, known browsers, the dev mailbox's emails to its
 * address, its hash and, when it still points at this account, its email index (so the
 * address can sign up again). The keys it deletes are named by the account's own data, so
 * they are built here from the prefix, as DESTROY_FOR_ACCOUNT does.
 * KEYS: account hash. ARGV: key prefix, account id.
 * Returns nil when there is no such account, else { email, ended session refs... }.
 */
const DELETE_ACCOUNT = `
local prefix, id = ARGV[1], ARGV[2]
local email = redis.call('HGET', KEYS[1], 'email')
if not email then
  return nil
end
local result = { email }
local sessions = prefix .. 'account-sessions:' .. id
for _, ref in ipairs(redis.call('SMEMBERS', sessions)) do
  local key = prefix .. 'session:' .. ref
  local json = redis.call('GET', key)
  if json then
    local ok, data = pcall(cjson.decode, json)
    if ok and type(data) == 'table' and data.accountId == id then
      redis.call('DEL', key)
      table.insert(result, ref)
    end
  end
end
local tokens = prefix .. 'account-tokens:' .. id
for _, hash in ipairs(redis.call('SMEMBERS', tokens)) do
  redis.call('DEL', prefix .. 'token:' .. hash)
end
local passkeys = prefix .. 'account-passkeys:' .. id
for _, credential in ipairs(redis.call('ZRANGE', passkeys, 0, -1)) do
  redis.call('DEL', prefix .. 'passkey:' .. credential)
end
redis.call('DEL', sessions, sessions .. '${PRUNE_CURSOR}', tokens, passkeys, prefix .. 'two-factor:' .. id,
  prefix .. 'recovery-codes:' .. id, prefix .. 'known-devices:' .. id, KEYS[1])
local index = prefix .. 'email:' .. email
if redis.call('GET', index) == id then
  redis.call('DEL', index)
end
local mailbox = prefix .. 'mailbox'
for _, entry in ipairs(redis.call('LRANGE', mailbox, 0, -1)) do
  local ok, kept = pcall(cjson.decode, entry)
  if ok and type(kept) == 'table' and kept.to == email then
    redis.call('LREM', mailbox, 0, entry)
  end
end
return result
`;

/**
 * Opens a store on the Redis at `url`. Returns at once: the connection is made in the
 * background, and every call fails within about a second while Redis is unreachable.
 *
 * @example
 * const store = openRedisStore({ url: 'redis://127.0.0.1:6379/0' });
 * await store.ping();
 */
export function openRedisStore(options: RedisStoreOptions): RedisStore {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const now = options.now ?? Date.now;
  const connection = connectRedis(options.url, { name: 'baton-store' });
  const { client } = connection;

  return {
    kind: 'redis',
    prefix,
    client,
    accounts: accountStore(client, prefix, now),
    sessions: sessionStore(client, prefix),
    handoffs: handoffLedger(client, prefix, now),
    twoFactor: redisTwoFactorStore(client, prefix),
    passkeys: redisPasskeyStore(client, prefix),
    challenges: redisChallengeStore(client, prefix, now),
    tokens: redisTokens(client, prefix, now),
    mailbox: redisMailbox(client, prefix),
    devices: redisKnownDevices(client, prefix),
    ping: () => ping(connection),
    close: () => connection.close(),
  };
}

async function ping(connection: RedisConnection): Promise<void> {
  const { client, where } = connection;
  const cause = connection.lastError();
  // Between reconnect attempts a PING would only wait in the queue until it times out;
  // the last connection error already says why.
  if (client.status === 'end') throw new RedisUnavailableError(`Redis at ${where} is closed`);
  if (client.status === 'reconnecting' && cause) {
    throw new RedisUnavailableError(`Redis at ${where} is unreachable: ${cause.message}`, {
      cause,
    });
  }
  let reply: string;
  try {
    reply = await withTimeout(client.ping(), Math.min(PING_TIMEOUT_MS, COMMAND_TIMEOUT_MS), 'PING');
  } catch (error) {
    const reason = connection.lastError() ?? (error as Error);
    throw new RedisUnavailableError(`Redis at ${where} did not answer PING: ${reason.message}`, {
      cause: error,
    });
  }
  if (reply !== 'PONG')
    throw new RedisUnavailableError(`Redis at ${where} answered PING with ${reply}`);
}

function toAccount(fields: Record<string, string>): Account | null {
  const { id, email, passwordHash, createdAt, credentialVersion, emailConfirmedAt } = fields;
  if (
    id === undefined ||
    email === undefined ||
    passwordHash === undefined ||
    createdAt === undefined
  )
    return null;
  return {
    id,
    email,
    passwordHash,
    createdAt: Number(createdAt),
    credentialVersion: Number(credentialVersion ?? 0),
    emailConfirmedAt: emailConfirmedAt === undefined ? null : Number(emailConfirmedAt),
  };
}

function accountStore(client: Redis, prefix: string, now: () => number): AccountStore {
  const accountKey = (id: string) => `${prefix}account:${id}`;
  const emailKey = (email: string) => `${prefix}email:${email}`;
  const create = defineScript(client, 'batonCreateAccount', CREATE_ACCOUNT, 2);
  const updateHash = defineScript(client, 'batonUpdatePasswordHash', UPDATE_HASH, 1);
  const changePassword = defineScript(client, 'batonChangePassword', CHANGE_PASSWORD, 1);
  const confirmEmail = defineScript(client, 'batonConfirmEmail', CONFIRM_EMAIL, 1);
  const deleteAccount = defineScript<string[] | null>(
    client,
    'batonDeleteAccount',
    DELETE_ACCOUNT,
    1,
  );

  const findById = async (id: string) => toAccount(await client.hgetall(accountKey(id)));

  return {
    async create(raw, passwordHash) {
      const email = normalizeEmail(raw);
      const account: Account = {
        id: randomUUID(),
        email,
        passwordHash,
        createdAt: now(),
        credentialVersion: 0,
        emailConfirmedAt: null,
      };
      const created = await create(
        emailKey(email),
        accountKey(account.id),
        account.id,
        email,
        passwordHash,
        String(account.createdAt),
      );
      return created === 1 ? account : null;
    },
    async findByEmail(email) {
      // Two reads are safe: the scripts write and delete the index and the hash together,
      // and an account deleted between the two reads reads as none (an empty hash).
      const id = await client.get(emailKey(normalizeEmail(email)));
      return id === null ? null : findById(id);
    },
    findById,
    async updatePasswordHash(id, passwordHash) {
      await updateHash(accountKey(id), passwordHash);
    },
    async changePassword(id, passwordHash) {
      const version = await changePassword(accountKey(id), passwordHash);
      return version < 0 ? null : version;
    },
    async confirmEmail(id, email, at) {
      return (await confirmEmail(accountKey(id), normalizeEmail(email), String(at))) === 1;
    },
    async delete(id) {
      const reply = await deleteAccount(accountKey(id), prefix, id);
      if (reply === null) return null;
      const [email, ...sessionRefs] = reply;
      return { email: email as string, sessionRefs };
    },
    changeEmail: redisChangeEmail(client, prefix),
  };
}

/** Where a session lives, and where its account's sessions are filed. */
const sessionKey = (prefix: string, ref: string) => `${prefix}session:${ref}`;
const accountSessionsKey = (prefix: string, accountId: string) =>
  `${prefix}account-sessions:${accountId}`;

function sessionStore(client: Redis, prefix: string): SessionStore {
  const key = (ref: string) => sessionKey(prefix, ref);
  const accountKey = (id: string) => accountSessionsKey(prefix, id);
  const setSession = defineScript(client, 'batonSetSession', SET_SESSION, 2);
  const touchSession = defineScript(client, 'batonTouchSession', TOUCH_SESSION, 2);
  const destroyForAccount = defineScript<string[]>(
    client,
    'batonDestroyForAccount',
    DESTROY_FOR_ACCOUNT,
    1,
  );
  const destroyByHandle = defineScript<string | null>(
    client,
    'batonDestroyByHandle',
    DESTROY_BY_HANDLE,
    1,
  );
  return {
    async get(ref) {
      const json = await client.get(key(ref));
      return json === null ? null : (JSON.parse(json) as SessionData);
    },
    async set(ref, data, ttlMs) {
      // PX must be positive; a ttl of zero or less means "already expired", as in SQLite.
      if (!(ttlMs > 0)) {
        await client.del(key(ref));
        return;
      }
      const ttl = String(Math.ceil(ttlMs));
      const json = JSON.stringify(data);
      if (typeof data.accountId === 'string') {
        await setSession(key(ref), accountKey(data.accountId), json, ttl, ref, key(''));
      } else {
        await client.set(key(ref), json, 'PX', ttl);
      }
    },
    async touch(ref, data, ttlMs) {
      // As in SQLite: a ttl of zero or less means already expired, so nothing is left to touch.
      if (!(ttlMs > 0)) return false;
      const index = typeof data.accountId === 'string' ? accountKey(data.accountId) : key(ref);
      const touched = await touchSession(
        key(ref),
        index,
        JSON.stringify(data),
        String(Math.ceil(ttlMs)),
      );
      return touched === 1;
    },
    async destroy(ref) {
      await client.del(key(ref));
    },
    destroyForAccount(accountId, keep) {
      return destroyForAccount(accountKey(accountId), key(''), keep ?? '', accountId);
    },
    async listForAccount(accountId) {
      const refs = await client.smembers(accountKey(accountId));
      if (refs.length === 0) return [];
      const values = await client.mget(refs.map(key));
      const found: StoredSession[] = [];
      refs.forEach((ref, i) => {
        const json = values[i];
        if (!json) return;
        const data = JSON.parse(json) as SessionData;
        // A ref stays filed until pruned, and its session may belong to another account now.
        if (data.accountId === accountId) found.push({ key: ref, data });
      });
      return found;
    },
    destroyByHandle(accountId, handle) {
      return destroyByHandle(accountKey(accountId), key(''), accountId, handle);
    },
  };
}

function handoffLedger(client: Redis, prefix: string, now: () => number): HandoffLedger {
  const redeem = defineScript(client, 'batonRedeem', REDEEM, 5);
  const outcomes: Record<number, RedeemResult> = { 0: 'used', 1: 'redeemed', 2: 'stale' };
  return {
    async consume(id, expiresAt) {
      // As in SQLite: an expired id is refused without being written (PX must be positive,
      // and the handoff can no longer be opened anyway).
      const ttlMs = expiresAt - now();
      if (ttlMs <= 0) return false;
      // SET NX is atomic on the Redis every instance shares: exactly one caller gets "OK".
      const reply = await client.set(`${prefix}handoff:${id}`, '1', 'PX', Math.ceil(ttlMs), 'NX');
      return reply === 'OK';
    },
    async redeem(id, expiresAt, session, replaces = null, sealed) {
      const ttlMs = expiresAt - now();
      if (ttlMs <= 0) return 'used';
      const { accountId } = session.data;
      if (typeof accountId !== 'string' || !(session.ttlMs > 0)) {
        throw new TypeError('a redeemed session must name its account and outlive the redeem');
      }
      const reply = await redeem(
        `${prefix}handoff:${id}`,
        sessionKey(prefix, session.key),
        accountSessionsKey(prefix, accountId),
        sessionKey(prefix, replaces ?? session.key),
        `${prefix}account:${sealed?.accountId ?? accountId}`,
        String(Math.ceil(ttlMs)),
        JSON.stringify(session.data),
        String(Math.ceil(session.ttlMs)),
        session.key,
        replaces === null ? '0' : '1',
        sealed ? String(sealed.credentialVersion) : '',
        sessionKey(prefix, ''),
      );
      const outcome = outcomes[reply];
      if (!outcome) throw new Error(`the redeem script answered ${String(reply)}`);
      return outcome;
    },
  };
}
