/**
 * Password guessing at once (issue 12.1): a sign-in attempt is counted against the account
 * and the client IP before its password is checked, so guesses sent together, over the live
 * socket and the plain post, on one instance or two sharing Redis, get no more password
 * checks than the limit allows. Checks are counted through a hasher that counts verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../../server/accounts/password.ts';
import { DEFAULT_LIMITS } from '../../server/config.ts';
import { createLimiters } from '../../server/limits/limits.ts';
import { openRedisStore, type RedisStore } from '../../server/store/redis.ts';
import { redisLimiterFactory } from '../../server/store/redis-limiters.ts';
import type { Store } from '../../server/store/store.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { CHEAP_ARGON2, type RunningServer, startServer } from '../helpers/start-server.ts';

const PASSWORD = 'the victim password';
const GUESSES = 40;
const LIMIT = DEFAULT_LIMITS.loginFailsPerAccount;

/** The real hasher, counting the password checks it makes. */
function countingHasher(): PasswordHasher & { verified: number } {
  const real = createPasswordHasher(CHEAP_ARGON2);
  const counting = {
    verified: 0,
    hash: real.hash,
    needsRehash: real.needsRehash,
    verify(password: string, stored: string) {
      counting.verified += 1;
      return real.verify(password, stored);
    },
  };
  return counting;
}

/** One wrong guess over a live socket of its own; resolves with the refusal's code. */
async function guessOverSocket(url: string, email: string, password: string): Promise<string> {
  const browser = new BrowserSession(url);
  await browser.fetch('/login');
  const live = await browser.openSocket();
  try {
    const reply = await live.request({
      type: 'submit',
      form: 'login',
      fields: { email, password },
    });
    return reply.type === 'refused' ? reply.code : reply.type;
  } finally {
    live.close();
  }
}

/** One guess posted without JavaScript; resolves with the status. */
async function guessOverHttp(url: string, email: string, password: string): Promise<number> {
  const response = await new BrowserSession(url).post('/login', { email, password });
  return response.status;
}

/** 40 wrong guesses at once, alternating socket and post and, given two, instances. */
async function guessAtOnce(urls: readonly string[], email: string) {
  const outcomes = await Promise.all(
    Array.from({ length: GUESSES }, async (_, i) => {
      const url = urls[i % urls.length] as string;
      const password = `wrong guess ${i}`;
      if (Math.floor(i / urls.length) % 2 === 0) {
        const code = await guessOverSocket(url, email, password);
        return code === 'account.bad-credentials' ? 'checked' : code;
      }
      const status = await guessOverHttp(url, email, password);
      return status === 422 ? 'checked' : status === 429 ? 'rate.limited' : `HTTP ${status}`;
    }),
  );
  const tally: Record<string, number> = {};
  for (const outcome of outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
  return tally;
}

async function createVictim(store: Store, hasher: PasswordHasher, email: string) {
  await store.accounts.create(email, await hasher.hash(PASSWORD));
}

describe('password guesses sent at once, on one instance', () => {
  const hasher = countingHasher();
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ hasher });
  });
  afterAll(() => server.stop());

  it('checks at most the per-account limit of 40 concurrent socket and HTTP guesses, refusing the rest as rate.limited', async () => {
    const email = 'concurrent@example.com';
    await createVictim(server.store, hasher, email);
    hasher.verified = 0;

    expect(await guessAtOnce([server.url], email)).toEqual({
      checked: LIMIT,
      'rate.limited': GUESSES - LIMIT,
    });
    expect(hasher.verified).toBe(LIMIT);

    // The right password after them is over the limit too, and is not checked.
    expect(await guessOverSocket(server.url, email, PASSWORD)).toBe('rate.limited');
    expect(await guessOverHttp(server.url, email, PASSWORD)).toBe(429);
    expect(hasher.verified).toBe(LIMIT);
  });

  it('checks at most the per-IP limit of 60 concurrent guesses at 60 different accounts', async () => {
    const PER_IP = 10;
    const fresh = await startServer({
      hasher,
      limits: { ...DEFAULT_LIMITS, loginFailsPerIp: PER_IP },
    });
    try {
      hasher.verified = 0;
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          i % 2 === 0
            ? guessOverSocket(fresh.url, `spread-${i}@example.com`, 'a guess')
            : guessOverHttp(fresh.url, `spread-${i}@example.com`, 'a guess').then((status) =>
                status === 422
                  ? 'account.bad-credentials'
                  : status === 429
                    ? 'rate.limited'
                    : `HTTP ${status}`,
              ),
        ),
      );
      expect(outcomes.filter((code) => code === 'account.bad-credentials')).toHaveLength(PER_IP);
      expect(outcomes.filter((code) => code === 'rate.limited')).toHaveLength(60 - PER_IP);
      expect(hasher.verified).toBe(PER_IP);
    } finally {
      await fresh.stop();
    }
  });

  it('checks an unknown email against the decoy: one password check, as for a known one', async () => {
    hasher.verified = 0;
    expect(await guessOverSocket(server.url, 'nobody@example.com', 'any password')).toBe(
      'account.bad-credentials',
    );
    expect(await guessOverHttp(server.url, 'nobody-else@example.com', 'any password')).toBe(422);
    expect(hasher.verified).toBe(2);
  });
});

const skip = await redisSkipReason();

describe.skipIf(skip !== null)(
  'password guesses sent at once, across two instances on Redis',
  () => {
    const prefix = uniquePrefix();
    const hasher = countingHasher();
    const stores: RedisStore[] = [];
    const servers: RunningServer[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const store = openRedisStore({ url: REDIS_URL, prefix });
        stores.push(store);
        const limiters = createLimiters(DEFAULT_LIMITS, redisLimiterFactory(store));
        servers.push(await startServer({ store, limiters, hasher }));
      }
    });
    afterAll(async () => {
      for (const server of servers) await server.stop();
      for (const store of stores) await store.close();
      await deleteKeys(prefix);
    });

    it('checks at most the per-account limit in all, however the guesses are spread', async () => {
      const email = 'two-instances@example.com';
      await createVictim(stores[0] as Store, hasher, email);
      hasher.verified = 0;

      const urls = servers.map((server) => server.url);
      expect(await guessAtOnce(urls, email)).toEqual({
        checked: LIMIT,
        'rate.limited': GUESSES - LIMIT,
      });
      expect(hasher.verified).toBe(LIMIT);
      for (const url of urls) expect(await guessOverHttp(url, email, PASSWORD)).toBe(429);
      expect(hasher.verified).toBe(LIMIT);
    });
  },
);
