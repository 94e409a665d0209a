import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore, type RedisStore } from '../../../server/store/redis.ts';
import { isOutage } from '../../../server/store/unavailable.ts';
import {
  deleteKeys,
  dumpKeys,
  inspectRedis,
  REDIS_URL,
  redisSkipReason,
  startRedisProxy,
  UNREACHABLE_REDIS_URL,
  uniquePrefix,
} from '../../helpers/redis.ts';
import { startServer } from '../../helpers/start-server.ts';
import { describeStore } from './store-suite.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();

/**
 * How a call to a Redis that refuses connections gave up: answered from the refusal the
 * connection already had (`refused`, nothing sent), or by ioredis's count of retries
 * (`retries`: maxRetriesPerRequest is 1, and the reconnect comes 100 ms after a refusal).
 * Either takes a fraction of a second; waiting out a timeout (`timeout`: the 750 ms PING or
 * the 1 s command timeout) is what "failing fast" rules out.
 */
function howItGaveUp(error: unknown): 'refused' | 'retries' | 'timeout' | 'other' {
  const { cause } = error as { cause?: unknown };
  const reason = (cause ?? error) as { code?: unknown; name?: unknown; message?: unknown };
  if (reason.code === 'ECONNREFUSED') return 'refused';
  if (reason.name === 'MaxRetriesPerRequestError') return 'retries';
  if (reason.code === 'store.timeout' || reason.message === 'Command timed out') return 'timeout';
  return 'other';
}
const FAST = ['refused', 'retries'];

describe.skipIf(skip !== null)('on Redis', () => {
  afterAll(async () => {
    await deleteKeys(prefix);
  });

  // Redis drops a session at its PX expiry by its own clock: those tests wait for real.
  describeStore('redis', ({ now }) => openRedisStore({ url: REDIS_URL, prefix, now }), {
    shared: true,
    realExpiry: true,
    contents: () => dumpKeys(prefix),
  });

  describe('openRedisStore', () => {
    const opened: RedisStore[] = [];
    let redis: Redis;

    function open(url = REDIS_URL): RedisStore {
      const store = openRedisStore({ url, prefix });
      opened.push(store);
      return store;
    }

    beforeAll(() => {
      redis = inspectRedis();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    afterAll(async () => {
      await redis.quit();
    });

    it('reports its kind as redis and its key prefix', () => {
      const store = open();

      expect(store.kind).toBe('redis');
      expect(store.prefix).toBe(prefix);
    });

    it('defaults the key prefix to baton:', async () => {
      const store = openRedisStore({ url: REDIS_URL });
      opened.push(store);

      expect(store.prefix).toBe('baton:');
    });

    it('keeps an account as a hash plus a unique email index, both under the prefix', async () => {
      const store = open();
      const email = `${randomUUID()}@example.test`;

      const account = await store.accounts.create(email, 'hash-1');

      expect(await redis.get(`${prefix}email:${email}`)).toBe(account?.id);
      expect(await redis.hgetall(`${prefix}account:${account?.id}`)).toEqual({
        id: account?.id,
        email,
        passwordHash: 'hash-1',
        createdAt: String(account?.createdAt),
      });
      expect(await redis.pttl(`${prefix}account:${account?.id}`)).toBe(-1);
    });

    it('writes nothing for an account whose email is taken', async () => {
      const store = open();
      const email = `${randomUUID()}@example.test`;
      await store.accounts.create(email, 'hash-1');
      const before = await redis.keys(`${prefix}account:*`);

      expect(await store.accounts.create(email, 'hash-2')).toBeNull();
      expect(await redis.keys(`${prefix}account:*`)).toEqual(before);
    });

    it('creates no hash when replacing the password hash of an unknown id', async () => {
      const store = open();
      const id = randomUUID();

      await store.accounts.updatePasswordHash(id, 'hash');

      expect(await redis.exists(`${prefix}account:${id}`)).toBe(0);
      expect(await store.accounts.findById(id)).toBeNull();
    });

    it('stores a session as JSON under the prefix with the ttl as PTTL', async () => {
      const store = open();
      const key = randomUUID();

      await store.sessions.set(key, { accountId: 'a-1' }, 60_000);

      expect(await redis.get(`${prefix}session:${key}`)).toBe('{"accountId":"a-1"}');
      const pttl = await redis.pttl(`${prefix}session:${key}`);
      expect(pttl).toBeGreaterThan(59_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });

    it("keeps an account's session index to its live sessions after many have ended", async () => {
      const store = open();
      const accountId = randomUUID();
      const index = `${prefix}account-sessions:${accountId}`;
      const signedOut = Array.from({ length: 30 }, () => randomUUID());
      for (const key of signedOut) {
        await store.sessions.set(key, { accountId }, 60_000);
        await store.sessions.destroy(key);
      }
      const expiring = Array.from({ length: 30 }, () => randomUUID());
      await Promise.all(expiring.map((key) => store.sessions.set(key, { accountId }, 20)));
      // A real wait: these sessions end by Redis's own clock (PX), which no test can move.
      await sleep(100);
      const live = randomUUID();

      await store.sessions.set(live, { accountId }, 60_000);
      const redeemed = `ref-${randomUUID()}`;
      expect(
        await store.handoffs.redeem(randomUUID(), Date.now() + 60_000, {
          key: redeemed,
          data: { accountId },
          ttlMs: 60_000,
        }),
      ).toBe('redeemed');

      expect((await redis.smembers(index)).sort()).toEqual([live, redeemed].sort());
    });

    it("prunes a batch of the account's session index per write, and all of it over a pass", async () => {
      const store = open();
      const accountId = randomUUID();
      const index = `${prefix}account-sessions:${accountId}`;
      // Filed straight into the index: a thousand refs whose sessions have ended, as a
      // thousand sign-ins signed out since would leave them.
      const ended = Array.from({ length: 1000 }, () => randomUUID());
      await redis.sadd(index, ...ended);
      await redis.pexpire(index, 60_000);

      const first = randomUUID();
      const live = [first];
      await store.sessions.set(first, { accountId }, 60_000);
      // One write checks a batch, not the thousand.
      expect(await redis.scard(index)).toBeGreaterThan(500);

      for (let write = 1; write < 40 && (await redis.scard(index)) > live.length; write += 1) {
        const key = randomUUID();
        live.push(key);
        await store.sessions.set(key, { accountId }, 60_000);
      }
      expect((await redis.smembers(index)).sort()).toEqual(live.sort());
      expect(live.length).toBeGreaterThan(2);
    });

    it('deletes an account without leaving a key named by its id, the pruning cursor included', async () => {
      const store = open();
      const account = await store.accounts.create(`${randomUUID()}@example.test`, 'hash-1');
      if (!account) throw new Error('account not created');
      const index = `${prefix}account-sessions:${account.id}`;
      // Enough ended refs that one write leaves the pass unfinished, and so a cursor behind.
      await redis.sadd(index, ...Array.from({ length: 1000 }, () => randomUUID()));
      await store.sessions.set(randomUUID(), { accountId: account.id }, 60_000);
      expect(await redis.exists(`${index}:prune`)).toBe(1);

      await store.accounts.delete(account.id);

      expect(await redis.keys(`${prefix}*${account.id}*`)).toEqual([]);
    });

    it('touches a session without filing it under its account again', async () => {
      const store = open();
      const accountId = randomUUID();
      const key = randomUUID();
      await store.sessions.set(key, { accountId }, 60_000);
      await store.sessions.destroyForAccount(accountId, null);

      expect(await store.sessions.touch(key, { accountId, seenAt: 1 }, 60_000)).toBe(false);
      expect(
        await redis.exists(`${prefix}account-sessions:${accountId}`, `${prefix}session:${key}`),
      ).toBe(0);
    });

    it('deletes a session set with a ttl of zero, as already expired', async () => {
      const store = open();
      const key = randomUUID();
      await store.sessions.set(key, { n: 1 }, 60_000);

      await store.sessions.set(key, { n: 2 }, 0);

      expect(await redis.exists(`${prefix}session:${key}`)).toBe(0);
      expect(await store.sessions.get(key)).toBeNull();
    });

    it('keeps a consumed handoff until its expiry and lets Redis drop it then', async () => {
      const store = open();
      const id = randomUUID();

      expect(await store.handoffs.consume(id, Date.now() + 150)).toBe(true);

      const pttl = await redis.pttl(`${prefix}handoff:${id}`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(150);
      // A real wait: what is tested is that Redis itself drops the key, on its own clock.
      await sleep(300);
      expect(await redis.exists(`${prefix}handoff:${id}`)).toBe(0);
    });

    it('redeems nothing, and writes nothing, when a key it would write holds another type', async () => {
      const store = open();
      const id = randomUUID();
      // A string where the account's session index (a set) belongs: the script's last write would fail.
      await redis.set(`${prefix}account-sessions:account-wrongtype`, 'not a set');
      const session = {
        key: `ref-${randomUUID()}`,
        data: { accountId: 'account-wrongtype' },
        ttlMs: 60_000,
      };

      await expect(store.handoffs.redeem(id, Date.now() + 60_000, session)).rejects.toThrow(
        /WRONGTYPE/,
      );

      expect(await redis.exists(`${prefix}handoff:${id}`)).toBe(0);
      expect(await redis.exists(`${prefix}session:${session.key}`)).toBe(0);
    });

    it('writes nothing for a handoff that has already expired', async () => {
      const store = open();
      const id = randomUUID();

      expect(await store.handoffs.consume(id, Date.now())).toBe(false);

      expect(await redis.exists(`${prefix}handoff:${id}`)).toBe(0);
    });

    it('decides expiry by its own clock, not Redis time', async () => {
      const clock = Date.now() + 10 * 60_000;
      const store = openRedisStore({ url: REDIS_URL, prefix, now: () => clock });
      opened.push(store);

      expect(await store.handoffs.consume(randomUUID(), Date.now() + 60_000)).toBe(false);
    });

    it('lets exactly one of two stores (two connections, as two instances) win each of 200 ids', async () => {
      const a = open();
      const b = open();
      const expiresAt = Date.now() + 60_000;
      const ids = Array.from({ length: 200 }, () => randomUUID());

      const winners = await Promise.all(
        ids.map(async (id) => {
          const won = await Promise.all([
            a.handoffs.consume(id, expiresAt),
            b.handoffs.consume(id, expiresAt),
            a.handoffs.consume(id, expiresAt),
            b.handoffs.consume(id, expiresAt),
          ]);
          return won.filter(Boolean).length;
        }),
      );

      expect(winners).toEqual(ids.map(() => 1));
    });

    it('closes twice without error and refuses calls once closed', async () => {
      const store = open();
      await store.ping();

      await store.close();

      await expect(store.close()).resolves.toBeUndefined();
      await expect(store.ping()).rejects.toThrow(`Redis at ${REDIS_URL} is closed`);
      await expect(store.sessions.get('any')).rejects.toThrow('Connection is closed.');
    });

    it("lists only its own prefix's authenticator secrets, a prefix with glob characters included", async () => {
      // Unescaped, `<prefix>glob*:two-factor:*` would match the other prefix's keys too.
      const globbed = openRedisStore({ url: REDIS_URL, prefix: `${prefix}glob*:` });
      const other = openRedisStore({ url: REDIS_URL, prefix: `${prefix}globx:` });
      opened.push(globbed, other);
      const mine = (await globbed.accounts.create(`${randomUUID()}@example.test`, 'h'))?.id ?? '';
      await globbed.twoFactor.setPending(mine, 'mine-sealed', 1);
      await globbed.twoFactor.enable(mine, 'mine-sealed', 1, [], 1);
      const theirs = (await other.accounts.create(`${randomUUID()}@example.test`, 'h'))?.id ?? '';
      await other.twoFactor.setPending(theirs, 'their-sealed', 1);
      await other.twoFactor.enable(theirs, 'their-sealed', 1, [], 1);

      const listed: Array<{ accountId: string; sealedSecret: string }> = [];
      let cursor: string | null = null;
      do {
        const page = await globbed.twoFactor.sealedSecrets(cursor, 100);
        listed.push(...page.entries);
        cursor = page.next;
      } while (cursor !== null);

      // SCAN may give a key twice while Redis grows its table: compare distinct entries.
      expect([...new Map(listed.map((each) => [each.accountId, each.sealedSecret]))]).toEqual([
        [mine, 'mine-sealed'],
      ]);
    });
  });

  describe('an unreachable Redis', () => {
    const opened: RedisStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('makes ping reject at its one retry, without waiting out a timeout, naming the Redis and the cause', async () => {
      const store = openRedisStore({ url: UNREACHABLE_REDIS_URL, prefix });
      opened.push(store);

      const refusal = await store.ping().catch((error: unknown) => error);

      expect((refusal as Error).message).toMatch(
        /^Redis at redis:\/\/127\.0\.0\.1:1\/0 (is unreachable|did not answer PING): connect ECONNREFUSED 127\.0\.0\.1:1$/,
      );
      expect(FAST).toContain(howItGaveUp(refusal));
    });

    it('gives the refusal the code store.unreachable', async () => {
      const store = openRedisStore({ url: UNREACHABLE_REDIS_URL, prefix });
      opened.push(store);

      await expect(store.ping()).rejects.toMatchObject({ code: 'store.unreachable' });
    });

    it('keeps ping failing fast while it keeps retrying', async () => {
      const store = openRedisStore({ url: UNREACHABLE_REDIS_URL, prefix });
      opened.push(store);
      await store.ping().catch(() => {});

      for (let i = 0; i < 3; i += 1) {
        const refusal = await store.ping().catch((error: unknown) => error);
        expect((refusal as Error).message).toContain('ECONNREFUSED');
        expect(FAST).toContain(howItGaveUp(refusal));
        // Lets the reconnect loop go round between pings.
        await sleep(150);
      }
    });

    it('fails every store call at its one retry instead of queueing it forever', async () => {
      const store = openRedisStore({ url: UNREACHABLE_REDIS_URL, prefix });
      opened.push(store);

      const results = await Promise.allSettled([
        store.sessions.get('any'),
        store.handoffs.consume(randomUUID(), Date.now() + 60_000),
        store.accounts.create(`${randomUUID()}@example.test`, 'hash'),
      ]);

      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const result of results)
        expect(FAST).toContain(howItGaveUp((result as PromiseRejectedResult).reason));
      // Whatever ioredis rejects with here reads as an outage (503), never as a bug (500).
      for (const result of results)
        expect(isOutage((result as PromiseRejectedResult).reason)).toBe(true);
    });

    it('rejects with errors that read as an outage, ping included', async () => {
      const store = openRedisStore({ url: UNREACHABLE_REDIS_URL, prefix });
      opened.push(store);

      const refusal = await store.ping().catch((error: unknown) => error);

      expect(isOutage(refusal)).toBe(true);
    });
  });

  describe('a Redis that goes away and comes back', () => {
    it('fails ping without waiting out a timeout while it is gone and answers again once it is back', async () => {
      const proxy = await startRedisProxy();
      const store = openRedisStore({ url: proxy.url, prefix });
      try {
        await store.ping();

        await proxy.cut();
        const refusal = await store.ping().catch((error: unknown) => error);
        expect((refusal as Error).message).toContain(`Redis at ${proxy.url}`);
        expect(FAST).toContain(howItGaveUp(refusal));
        await expect(store.sessions.get('any')).rejects.toThrow();

        await proxy.restore();
        await expect
          .poll(
            () =>
              store.ping().then(
                () => 'answers',
                () => 'down',
              ),
            { timeout: 3_000 },
          )
          .toBe('answers');

        expect(await store.handoffs.consume(randomUUID(), Date.now() + 60_000)).toBe(true);
      } finally {
        await store.close();
        await proxy.close();
      }
    });
  });

  describe('GET /healthz on the Redis store', () => {
    it('answers 200 with the store kind while Redis answers', async () => {
      const store = openRedisStore({ url: REDIS_URL, prefix });
      const server = await startServer({ store });
      try {
        const response = await fetch(`${server.url}/healthz`);

        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ ok: true, store: 'redis' });
      } finally {
        await server.stop();
        await store.close();
      }
    });

    it('answers 503 with a generic reason while Redis is unreachable, its ping failing fast', async () => {
      const store = openRedisStore({ url: UNREACHABLE_REDIS_URL, prefix });
      // The health check's pings, watched: each must give up without waiting out a timeout.
      const refusals: unknown[] = [];
      const ping = () =>
        store.ping().catch((error: unknown) => {
          refusals.push(error);
          throw error;
        });
      const server = await startServer({ store: { ...store, ping } });
      try {
        const response = await fetch(`${server.url}/healthz`);

        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({
          ok: false,
          store: 'redis',
          reason: 'store unreachable',
        });
        expect(refusals.map(howItGaveUp)).toEqual([expect.toBeOneOf(FAST)]);
      } finally {
        await server.stop();
        await store.close();
      }
    });
  });
});
