/**
 * The specification every `Store` implementation passes, whatever holds the data. It uses
 * real short TTLs instead of a fake clock so that a networked store (Redis expiring keys on
 * its own clock) runs it unchanged, and fresh random emails, keys and ids in every test so
 * that stores sharing one backing database do not see each other's data.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/store.ts';

/** Long enough that no test outlives it. */
const LONG_TTL_MS = 60_000;
/** Short enough to wait out; the waits below are more than twice as long to absorb jitter. */
const SHORT_TTL_MS = 50;
const PAST_SHORT_TTL_MS = 120;

function uniqueEmail(): string {
  return `${randomUUID()}@example.test`;
}

/**
 * Runs the store specification against the stores `open` returns: one fresh store per test,
 * closed after it. `cleanup` runs once after the whole suite (remove files, flush a database).
 *
 * @example
 * describeStore('sqlite', () => openSqliteStore({ file: ':memory:' }));
 */
export function describeStore(
  name: string,
  open: () => Promise<Store> | Store,
  cleanup?: () => Promise<void>,
): void {
  describe(`${name} store`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    if (cleanup !== undefined) afterAll(cleanup);

    describe('ping', () => {
      it('resolves when the store answers', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('accounts', () => {
      it('creates an account with the given email and hash, an id and a creation time', async () => {
        const email = uniqueEmail();
        const before = Date.now();
        const account = await store.accounts.create(email, 'hash-1');
        const after = Date.now();

        expect(account).not.toBeNull();
        expect(account?.email).toBe(email);
        expect(account?.passwordHash).toBe('hash-1');
        expect(typeof account?.id).toBe('string');
        expect(account?.id).not.toBe('');
        expect(account?.createdAt).toBeGreaterThanOrEqual(before);
        expect(account?.createdAt).toBeLessThanOrEqual(after);
      });

      it('gives every account its own id', async () => {
        const first = await store.accounts.create(uniqueEmail(), 'hash');
        const second = await store.accounts.create(uniqueEmail(), 'hash');

        expect(first?.id).not.toBe(second?.id);
      });

      it('finds an account by email', async () => {
        const email = uniqueEmail();
        const created = await store.accounts.create(email, 'hash-1');

        expect(await store.accounts.findByEmail(email)).toEqual(created);
      });

      it('finds an account by id', async () => {
        const created = await store.accounts.create(uniqueEmail(), 'hash-1');

        expect(await store.accounts.findById(created?.id ?? 'missing')).toEqual(created);
      });

      it('returns null for an unknown email or id', async () => {
        expect(await store.accounts.findByEmail(uniqueEmail())).toBeNull();
        expect(await store.accounts.findById(randomUUID())).toBeNull();
      });

      it('refuses a second account with the same email', async () => {
        const email = uniqueEmail();
        const first = await store.accounts.create(email, 'hash-1');

        expect(await store.accounts.create(email, 'hash-2')).toBeNull();
        expect(await store.accounts.findByEmail(email)).toEqual(first);
      });

      it('creates exactly one of 20 concurrent accounts with the same email', async () => {
        const email = uniqueEmail();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.accounts.create(email, `hash-${i}`)),
        );
        const created = results.filter((account) => account !== null);

        expect(created).toHaveLength(1);
        expect(await store.accounts.findByEmail(email)).toEqual(created[0]);
      });

      it('files and finds an account under one spelling of its email, however it is written', async () => {
        const local = `josé-${randomUUID()}`;
        const created = await store.accounts.create(
          `  ${local.toUpperCase()}@EXAMPLE.com`,
          'hash-1',
        );
        expect(created?.email).toBe(`${local}@example.com`);

        const fullwidth = [...`${local}@example.com`]
          .map((c) =>
            /[!-~]/.test(c) ? String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0) : c,
          )
          .join('');
        for (const lookAlike of [`${local}@example.com`.normalize('NFD'), fullwidth]) {
          expect(await store.accounts.findByEmail(lookAlike)).toEqual(created);
          expect(await store.accounts.create(lookAlike, 'hash-2')).toBeNull();
        }
      });

      it('creates exactly one of 20 concurrent accounts for look-alike spellings of one email', async () => {
        const local = `rené-${randomUUID()}`;
        const spellings = [`${local}@example.com`, `${local.normalize('NFD')}@Example.COM`];
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.accounts.create(spellings[i % 2] as string, `hash-${i}`),
          ),
        );
        expect(results.filter((account) => account !== null)).toHaveLength(1);
      });

      it('replaces the password hash', async () => {
        const created = await store.accounts.create(uniqueEmail(), 'hash-1');
        if (created === null) throw new Error('the account was not created');

        await store.accounts.updatePasswordHash(created.id, 'hash-2');

        expect(await store.accounts.findById(created.id)).toEqual({
          ...created,
          passwordHash: 'hash-2',
        });
        expect(await store.accounts.findByEmail(created.email)).toEqual({
          ...created,
          passwordHash: 'hash-2',
        });
      });

      it('leaves other accounts alone when replacing a hash', async () => {
        const changed = await store.accounts.create(uniqueEmail(), 'hash-1');
        const other = await store.accounts.create(uniqueEmail(), 'hash-1');

        await store.accounts.updatePasswordHash(changed?.id ?? 'missing', 'hash-2');

        expect(await store.accounts.findById(other?.id ?? 'missing')).toEqual(other);
      });
    });

    describe('sessions', () => {
      it('returns null for an unknown key', async () => {
        expect(await store.sessions.get(randomUUID())).toBeNull();
      });

      it('returns the data it stored', async () => {
        const key = randomUUID();
        const data = { accountId: 'a-1', flash: ['one', 'two'], nested: { n: 3, ok: true } };

        await store.sessions.set(key, data, LONG_TTL_MS);

        expect(await store.sessions.get(key)).toEqual(data);
      });

      it('overwrites the data of an existing key', async () => {
        const key = randomUUID();

        await store.sessions.set(key, { step: 1, old: 'gone' }, LONG_TTL_MS);
        await store.sessions.set(key, { step: 2 }, LONG_TTL_MS);

        expect(await store.sessions.get(key)).toEqual({ step: 2 });
      });

      it('keeps keys apart', async () => {
        const first = randomUUID();
        const second = randomUUID();

        await store.sessions.set(first, { n: 1 }, LONG_TTL_MS);
        await store.sessions.set(second, { n: 2 }, LONG_TTL_MS);

        expect(await store.sessions.get(first)).toEqual({ n: 1 });
        expect(await store.sessions.get(second)).toEqual({ n: 2 });
      });

      it('forgets a destroyed key', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, LONG_TTL_MS);

        await store.sessions.destroy(key);

        expect(await store.sessions.get(key)).toBeNull();
      });

      it('resolves when destroying an unknown key', async () => {
        await expect(store.sessions.destroy(randomUUID())).resolves.toBeUndefined();
      });

      it('returns null once the ttl has passed', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, SHORT_TTL_MS);

        expect(await store.sessions.get(key)).toEqual({ n: 1 });
        await sleep(PAST_SHORT_TTL_MS);
        expect(await store.sessions.get(key)).toBeNull();
      });

      it('takes the ttl of the latest set', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, SHORT_TTL_MS);
        await store.sessions.set(key, { n: 2 }, LONG_TTL_MS);

        await sleep(PAST_SHORT_TTL_MS);

        expect(await store.sessions.get(key)).toEqual({ n: 2 });
      });

      it('stores a key again after it expired', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, SHORT_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);

        await store.sessions.set(key, { n: 2 }, LONG_TTL_MS);

        expect(await store.sessions.get(key)).toEqual({ n: 2 });
      });

      it("destroys an account's sessions but the one kept, returning their keys", async () => {
        const accountId = randomUUID();
        const otherAccount = randomUUID();
        const kept = randomUUID();
        const first = randomUUID();
        const second = randomUUID();
        const others = randomUUID();
        const anonymous = randomUUID();
        await store.sessions.set(kept, { accountId }, LONG_TTL_MS);
        await store.sessions.set(first, { accountId }, LONG_TTL_MS);
        await store.sessions.set(second, { accountId, n: 2 }, LONG_TTL_MS);
        await store.sessions.set(others, { accountId: otherAccount }, LONG_TTL_MS);
        await store.sessions.set(anonymous, { n: 1 }, LONG_TTL_MS);

        const ended = await store.sessions.destroyForAccount(accountId, kept);

        expect(ended.sort()).toEqual([first, second].sort());
        expect(await store.sessions.get(first)).toBeNull();
        expect(await store.sessions.get(second)).toBeNull();
        expect(await store.sessions.get(kept)).toEqual({ accountId });
        expect(await store.sessions.get(others)).toEqual({ accountId: otherAccount });
        expect(await store.sessions.get(anonymous)).toEqual({ n: 1 });
        expect(await store.sessions.destroyForAccount(accountId, kept)).toEqual([]);
      });

      it('destroys them all when none is kept, and follows a session to its new account', async () => {
        const [accountId, before] = [randomUUID(), randomUUID()];
        const [key, moved] = [randomUUID(), randomUUID()];
        await store.sessions.set(key, { accountId }, LONG_TTL_MS);
        await store.sessions.set(moved, { accountId: before }, LONG_TTL_MS);
        await store.sessions.set(moved, { accountId }, LONG_TTL_MS);

        expect((await store.sessions.destroyForAccount(accountId, null)).sort()).toEqual(
          [key, moved].sort(),
        );
        expect(await store.sessions.get(key)).toBeNull();
        expect(await store.sessions.get(moved)).toBeNull();
      });

      it('leaves a session that was signed in to another account since', async () => {
        const accountId = randomUUID();
        const key = randomUUID();
        await store.sessions.set(key, { accountId }, LONG_TTL_MS);
        await store.sessions.set(key, { accountId: randomUUID() }, LONG_TTL_MS);

        expect(await store.sessions.destroyForAccount(accountId, null)).toEqual([]);
        expect(await store.sessions.get(key)).not.toBeNull();
      });

      it('leaves out sessions already destroyed or expired', async () => {
        const accountId = randomUUID();
        const [destroyed, expired] = [randomUUID(), randomUUID()];
        await store.sessions.set(destroyed, { accountId }, LONG_TTL_MS);
        await store.sessions.destroy(destroyed);
        await store.sessions.set(expired, { accountId }, SHORT_TTL_MS);
        await sleep(PAST_SHORT_TTL_MS);

        const ended = await store.sessions.destroyForAccount(accountId, null);

        expect(ended.filter((key) => key === destroyed)).toEqual([]);
        expect(await store.sessions.get(expired)).toBeNull();
      });
    });

    describe('handoffs', () => {
      it('consumes an id once and refuses it afterwards', async () => {
        const id = randomUUID();
        const expiresAt = Date.now() + LONG_TTL_MS;

        expect(await store.handoffs.consume(id, expiresAt)).toBe(true);
        expect(await store.handoffs.consume(id, expiresAt)).toBe(false);
        expect(await store.handoffs.consume(id, expiresAt)).toBe(false);
      });

      it('lets exactly one of 50 concurrent consumers of one id win', async () => {
        const id = randomUUID();
        const expiresAt = Date.now() + LONG_TTL_MS;

        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.handoffs.consume(id, expiresAt)),
        );

        expect(results.filter((won) => won)).toHaveLength(1);
        expect(results.filter((won) => !won)).toHaveLength(49);
      });

      it('keeps distinct ids independent', async () => {
        const expiresAt = Date.now() + LONG_TTL_MS;
        const ids = Array.from({ length: 10 }, () => randomUUID());

        const first = await Promise.all(ids.map((id) => store.handoffs.consume(id, expiresAt)));
        const second = await Promise.all(ids.map((id) => store.handoffs.consume(id, expiresAt)));

        expect(first).toEqual(ids.map(() => true));
        expect(second).toEqual(ids.map(() => false));
      });

      it('refuses an id whose expiry has already passed', async () => {
        const id = randomUUID();
        const expiredAt = Date.now() - 1;

        expect(await store.handoffs.consume(id, expiredAt)).toBe(false);
        expect(await store.handoffs.consume(id, expiredAt)).toBe(false);
      });
      const sessionFor = (accountId: string) => ({
        key: `ref-${randomUUID()}`,
        data: { accountId, signedInAt: 1 },
        ttlMs: LONG_TTL_MS,
      });

      it('redeems an id once: the first redeem writes its session, later ones write nothing', async () => {
        const id = randomUUID();
        const expiresAt = Date.now() + LONG_TTL_MS;
        const first = sessionFor('account-r1');
        const second = sessionFor('account-r1');

        expect(await store.handoffs.redeem(id, expiresAt, first)).toBe(true);
        expect(await store.handoffs.redeem(id, expiresAt, second)).toBe(false);

        expect(await store.sessions.get(first.key)).toEqual(first.data);
        expect(await store.sessions.get(second.key)).toBeNull();
        expect(await store.handoffs.consume(id, expiresAt)).toBe(false);
        // The redeemed session is filed under its account like any other.
        expect(await store.sessions.destroyForAccount('account-r1', null)).toEqual([first.key]);
      });

      it('refuses to redeem an id consumed before, writing no session', async () => {
        const id = randomUUID();
        const expiresAt = Date.now() + LONG_TTL_MS;
        const session = sessionFor('account-r2');

        expect(await store.handoffs.consume(id, expiresAt)).toBe(true);
        expect(await store.handoffs.redeem(id, expiresAt, session)).toBe(false);
        expect(await store.sessions.get(session.key)).toBeNull();
      });

      it('lets exactly one of 50 concurrent redeems of one id write its session', async () => {
        const id = randomUUID();
        const expiresAt = Date.now() + LONG_TTL_MS;
        const sessions = Array.from({ length: 50 }, () => sessionFor('account-r3'));

        const results = await Promise.all(
          sessions.map((session) => store.handoffs.redeem(id, expiresAt, session)),
        );

        expect(results.filter((won) => won)).toHaveLength(1);
        const written = await Promise.all(
          sessions.map((session) => store.sessions.get(session.key)),
        );
        expect(written.filter((data) => data !== null)).toHaveLength(1);
        expect(written.findIndex((data) => data !== null)).toBe(results.indexOf(true));
      });

      it('refuses to redeem an expired id, writing no session', async () => {
        const session = sessionFor('account-r4');

        expect(await store.handoffs.redeem(randomUUID(), Date.now() - 1, session)).toBe(false);
        expect(await store.sessions.get(session.key)).toBeNull();
      });

      it('destroys the session a redeem replaces in the same step, and only when it redeems', async () => {
        const expiresAt = Date.now() + LONG_TTL_MS;
        const old = sessionFor('account-r6');
        await store.sessions.set(old.key, old.data, old.ttlMs);
        const used = randomUUID();
        expect(await store.handoffs.consume(used, expiresAt)).toBe(true);

        const refused = sessionFor('account-r6');
        expect(await store.handoffs.redeem(used, expiresAt, refused, old.key)).toBe(false);
        expect(await store.sessions.get(old.key)).toEqual(old.data);
        expect(await store.sessions.get(refused.key)).toBeNull();

        const next = sessionFor('account-r6');
        expect(await store.handoffs.redeem(randomUUID(), expiresAt, next, old.key)).toBe(true);
        expect(await store.sessions.get(old.key)).toBeNull();
        expect(await store.sessions.get(next.key)).toEqual(next.data);
      });

      it('leaves the id unused and the replaced session in place when the session cannot be written', async () => {
        const id = randomUUID();
        const expiresAt = Date.now() + LONG_TTL_MS;
        const old = sessionFor('account-r5');
        await store.sessions.set(old.key, old.data, old.ttlMs);
        const unwritable = {
          ...sessionFor('account-r5'),
          data: { accountId: 'account-r5', n: 1n },
        };

        await expect(store.handoffs.redeem(id, expiresAt, unwritable, old.key)).rejects.toThrow(
          TypeError,
        );

        expect(await store.sessions.get(unwritable.key)).toBeNull();
        expect(await store.sessions.get(old.key)).toEqual(old.data);
        expect(await store.handoffs.consume(id, expiresAt)).toBe(true);
      });
    });
  });
}
