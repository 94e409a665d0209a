/**
 * Accounts whose hashes predate argon2id (scrypt), or predate the argon2 parameters now
 * configured, are rehashed at their next successful sign-in, on every store, over the plain
 * post and the live socket alike; a failed sign-in leaves the hash alone.
 */
import { parseOptions } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashPassword,
  hashPasswordScrypt,
  verifyPassword,
} from '../../server/accounts/password.ts';
import { openRedisStore } from '../../server/store/redis.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/store.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { submitOverSocket } from '../helpers/live-forms.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const ARGON2 = { memoryCost: 128, timeCost: 1, parallelism: 1 };
const PASSWORD = 'a fine password';

function suite(name: string, open: () => Store | null, cleanUp = async () => {}) {
  describe(`rehashing to argon2id on ${name}`, () => {
    let store: Store | null = null;
    let server: RunningServer | undefined;
    beforeAll(async () => {
      store = open();
      if (store) server = await startServer({ store, argon2: ARGON2 });
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
      await cleanUp();
    });

    const login = (email: string, password: string) =>
      new BrowserSession(server?.url ?? '').post('/login', { email, password });

    it('verifies a scrypt hash, then stores argon2id at the next successful sign-in', async (ctx) => {
      if (!store) return ctx.skip();
      const email = `scrypt-${Date.now()}@example.com`;
      const legacy = await hashPasswordScrypt(PASSWORD, { ln: 10, r: 8, p: 1 });
      await store.accounts.create(email, legacy);

      expect((await login(email, 'nope nope')).status).toBe(422);
      expect((await store.accounts.findByEmail(email))?.passwordHash).toBe(legacy);

      expect((await login(email, PASSWORD)).headers.get('location')).toBe('/account');
      const raised = (await store.accounts.findByEmail(email))?.passwordHash ?? '';
      expect(raised).toMatch(/^\$argon2id\$v=19\$m=128,t=1,p=1\$/);
      expect(await verifyPassword(PASSWORD, raised)).toBe(true);

      expect((await login(email, PASSWORD)).headers.get('location')).toBe('/account');
      expect((await store.accounts.findByEmail(email))?.passwordHash).toBe(raised);
    });

    it('rehashes an argon2id hash made with weaker parameters at a sign-in over the socket', async (ctx) => {
      if (!store) return ctx.skip();
      const email = `weak-${Date.now()}@example.com`;
      await store.accounts.create(
        email,
        await hashPassword(PASSWORD, { ...ARGON2, memoryCost: 64 }),
      );
      const reply = await submitOverSocket(new BrowserSession(server?.url ?? ''), 'login', {
        email,
        password: PASSWORD,
      });
      expect(reply.type).toBe('accepted');
      const raised = (await store.accounts.findByEmail(email))?.passwordHash ?? '';
      expect(parseOptions(raised)).toMatchObject({ memoryCost: 128, timeCost: 1, parallelism: 1 });
    });
  });
}

suite('SQLite', () => openSqliteStore({ file: ':memory:' }));
const skip = await redisSkipReason();
const prefix = uniquePrefix();
suite(
  'Redis',
  () => (skip === null ? openRedisStore({ url: REDIS_URL, prefix }) : null),
  async () => {
    if (skip === null) await deleteKeys(prefix);
  },
);
