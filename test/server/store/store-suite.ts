/**
 * The specification every `Store` implementation passes, whatever holds the data. Time is
 * an injected clock the tests move (`passTime`). A store that expires keys on a clock of its
 * own (Redis drops a session at its PX expiry by Redis's clock, which no test can move)
 * says so with `realExpiry`, and `passTime` then also waits that long for real. Fresh random
 * emails, keys and ids in every test keep stores sharing one backing database apart.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/store.ts';
import { describeConfirmationCases } from './confirmation-cases.ts';
import { describeDeletionCases } from './deletion-cases.ts';
import { describeDeviceCases } from './device-cases.ts';
import { describeEmailChangeCases } from './email-change-cases.ts';
import { describeFactorCases } from './factor-cases.ts';
import { describeMailboxCases } from './mailbox-cases.ts';
import { describeSealedSecretCases } from './sealed-secret-cases.ts';
import { describeSessionListCases } from './session-list-cases.ts';
import { describeTokenCases } from './token-cases.ts';

/** Long enough that no test outlives it. */
const LONG_TTL_MS = 60_000;
/** Short enough to wait out for real where a store expires on its own clock. */
const SHORT_TTL_MS = 50;
/** Past SHORT_TTL_MS, with room for the jitter of a real wait. */
const PAST_SHORT_TTL_MS = 120;

function uniqueEmail(): string {
  return `${randomUUID()}@example.test`;
}

/** Opens a store whose expiry decisions read `now`. */
export type OpenStore = (options: { now: () => number }) => Promise<Store> | Store;

export interface StoreSuiteOptions {
  /** Runs once after the whole suite (remove files, delete keys). */
  cleanup?: () => Promise<void>;
  /** Two stores it opens share their data (one file, one Redis), as two instances would. */
  shared?: boolean;
  /** The store expires sessions on a clock of its own (Redis PX) that tests cannot move. */
  realExpiry?: boolean;
  /**
   * Everything the backing store holds, as bytes (the database files, or every key and value
   * under the prefix), to prove what it never holds. Absent: those cases skip.
   */
  contents?: () => Promise<Buffer>;
}

/** What the case files beside this suite get to work with (see token-cases.ts). */
export interface StoreHarness {
  /** This test's store. */
  store(): Store;
  /** A second store on the same data, or the same store when the data cannot be shared. */
  twin(): Promise<Store>;
  /** The clock every store of the test reads. */
  now(): number;
  /** Moves that clock only (for what the store decides by it: no real wait). */
  moveClock(ms: number): void;
  contents?: () => Promise<Buffer>;
}

/**
 * Runs the store specification against the stores `open` returns: one fresh store per test,
 * closed after it.
 *
 * @example
 * describeStore('sqlite', ({ now }) => openSqliteStore({ file: ':memory:', now }));
 */
export function describeStore(
  name: string,
  open: OpenStore,
  options: StoreSuiteOptions = {},
): void {
  describe(`${name} store`, () => {
    let store: Store;
    let clock = 0;
    const now = () => clock;
    const opened: Store[] = [];
    /** Moves the injected clock; waits for real too where the store expires on its own. */
    const passTime = async (ms: number) => {
      clock += ms;
      if (options.realExpiry) await sleep(ms);
    };
    /** A second store on the same data (a second instance), or this one when not shared. */
    const twin = async (): Promise<Store> => {
      if (!options.shared) return store;
      const other = await open({ now });
      opened.push(other);
      return other;
    };

    beforeEach(async () => {
      clock = Date.now();
      store = await open({ now });
    });

    afterEach(async () => {
      await store.close();
      for (const other of opened.splice(0)) await other.close();
    });

    if (options.cleanup !== undefined) afterAll(options.cleanup);

    describe('ping', () => {
      it('resolves when the store answers', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('accounts', () => {
      it('creates an account with the given email and hash, an id and the creation time by its clock', async () => {
        const email = uniqueEmail();
        const account = await store.accounts.create(email, 'hash-1');

        expect(account).not.toBeNull();
        expect(account?.email).toBe(email);
        expect(account?.passwordHash).toBe('hash-1');
        expect(typeof account?.id).toBe('string');
        expect(account?.id).not.toBe('');
        expect(account?.createdAt).toBe(clock);
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

      it('starts every account at credential version 0, and a rehash keeps it', async () => {
        const created = await store.accounts.create(uniqueEmail(), 'hash-1');
        if (created === null) throw new Error('the account was not created');
        expect(created.credentialVersion).toBe(0);

        await store.accounts.updatePasswordHash(created.id, 'hash-1b');

        expect((await store.accounts.findById(created.id))?.credentialVersion).toBe(0);
      });

      it('moves the credential version on with every password change, and says which it is', async () => {
        const created = await store.accounts.create(uniqueEmail(), 'hash-1');
        if (created === null) throw new Error('the account was not created');

        expect(await store.accounts.changePassword(created.id, 'hash-2')).toBe(1);
        expect(await store.accounts.changePassword(created.id, 'hash-3')).toBe(2);

        expect(await store.accounts.findById(created.id)).toEqual({
          ...created,
          passwordHash: 'hash-3',
          credentialVersion: 2,
        });
      });

      it('changes no password of an unknown account and creates none', async () => {
        const id = randomUUID();

        expect(await store.accounts.changePassword(id, 'hash-2')).toBeNull();
        expect(await store.accounts.findById(id)).toBeNull();
      });

      it('counts every one of 20 concurrent password changes', async () => {
        const created = await store.accounts.create(uniqueEmail(), 'hash-1');
        if (created === null) throw new Error('the account was not created');

        const versions = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.accounts.changePassword(created.id, `h${i}`)),
        );

        expect([...versions].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        expect((await store.accounts.findById(created.id))?.credentialVersion).toBe(20);
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
        await passTime(PAST_SHORT_TTL_MS);
        expect(await store.sessions.get(key)).toBeNull();
      });

      it('takes the ttl of the latest set', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, SHORT_TTL_MS);
        await store.sessions.set(key, { n: 2 }, LONG_TTL_MS);

        await passTime(PAST_SHORT_TTL_MS);

        expect(await store.sessions.get(key)).toEqual({ n: 2 });
      });

      it('stores a key again after it expired', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, SHORT_TTL_MS);
        await passTime(PAST_SHORT_TTL_MS);

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
        await passTime(PAST_SHORT_TTL_MS);

        const ended = await store.sessions.destroyForAccount(accountId, null);

        expect(ended.filter((key) => key === destroyed)).toEqual([]);
        expect(await store.sessions.get(expired)).toBeNull();
      });
    });

    describe('sessions.touch', () => {
      it('rewrites the data and ttl of a live session and resolves true', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { accountId: 'a-t1', seenAt: 1 }, SHORT_TTL_MS);

        expect(await store.sessions.touch(key, { accountId: 'a-t1', seenAt: 2 }, LONG_TTL_MS)).toBe(
          true,
        );
        await passTime(PAST_SHORT_TTL_MS);

        expect(await store.sessions.get(key)).toEqual({ accountId: 'a-t1', seenAt: 2 });
      });

      it('refuses a destroyed session without bringing it back or filing it again', async () => {
        const accountId = randomUUID();
        const key = randomUUID();
        await store.sessions.set(key, { accountId }, LONG_TTL_MS);
        await store.sessions.destroy(key);

        expect(await store.sessions.touch(key, { accountId, seenAt: 2 }, LONG_TTL_MS)).toBe(false);

        expect(await store.sessions.get(key)).toBeNull();
        expect(await store.sessions.destroyForAccount(accountId, null)).toEqual([]);
      });

      it('refuses an unknown or expired session', async () => {
        const key = randomUUID();
        await store.sessions.set(key, { n: 1 }, SHORT_TTL_MS);
        await passTime(PAST_SHORT_TTL_MS);

        expect(await store.sessions.touch(key, { n: 2 }, LONG_TTL_MS)).toBe(false);
        expect(await store.sessions.touch(randomUUID(), { n: 2 }, LONG_TTL_MS)).toBe(false);
        expect(await store.sessions.get(key)).toBeNull();
      });

      it('leaves none of 40 sessions alive when touches race their sign-outs on two instances', async () => {
        const other = await twin();
        const accountId = randomUUID();
        const keys = Array.from({ length: 40 }, () => randomUUID());
        await Promise.all(
          keys.map((key) => store.sessions.set(key, { accountId, seenAt: 1 }, LONG_TTL_MS)),
        );

        // Every sign-out is asked for before its touch, half on each instance, all at once:
        // whichever lands second must not undo the sign-out.
        await Promise.all(
          keys.flatMap((key, i) => {
            const [signsOut, touches] = i % 2 === 0 ? [store, other] : [other, store];
            return [
              signsOut.sessions.destroy(key),
              touches.sessions.touch(key, { accountId, seenAt: 2 }, LONG_TTL_MS),
            ];
          }),
        );

        for (const reader of [store, other]) {
          const alive = await Promise.all(keys.map((key) => reader.sessions.get(key)));
          expect(alive.filter((data) => data !== null)).toEqual([]);
        }
        expect(await other.sessions.destroyForAccount(accountId, null)).toEqual([]);
      });
    });

    describe('handoffs', () => {
      it('consumes an id once and refuses it afterwards', async () => {
        const id = randomUUID();
        const expiresAt = clock + LONG_TTL_MS;

        expect(await store.handoffs.consume(id, expiresAt)).toBe(true);
        expect(await store.handoffs.consume(id, expiresAt)).toBe(false);
        expect(await store.handoffs.consume(id, expiresAt)).toBe(false);
      });

      it('lets exactly one of 50 concurrent consumers of one id win', async () => {
        const id = randomUUID();
        const expiresAt = clock + LONG_TTL_MS;

        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.handoffs.consume(id, expiresAt)),
        );

        expect(results.filter((won) => won)).toHaveLength(1);
        expect(results.filter((won) => !won)).toHaveLength(49);
      });

      it('keeps distinct ids independent', async () => {
        const expiresAt = clock + LONG_TTL_MS;
        const ids = Array.from({ length: 10 }, () => randomUUID());

        const first = await Promise.all(ids.map((id) => store.handoffs.consume(id, expiresAt)));
        const second = await Promise.all(ids.map((id) => store.handoffs.consume(id, expiresAt)));

        expect(first).toEqual(ids.map(() => true));
        expect(second).toEqual(ids.map(() => false));
      });

      it('refuses an id whose expiry has already passed', async () => {
        const id = randomUUID();
        const expiredAt = clock - 1;

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
        const expiresAt = clock + LONG_TTL_MS;
        const first = sessionFor('account-r1');
        const second = sessionFor('account-r1');

        expect(await store.handoffs.redeem(id, expiresAt, first)).toBe('redeemed');
        expect(await store.handoffs.redeem(id, expiresAt, second)).toBe('used');

        expect(await store.sessions.get(first.key)).toEqual(first.data);
        expect(await store.sessions.get(second.key)).toBeNull();
        expect(await store.handoffs.consume(id, expiresAt)).toBe(false);
        // The redeemed session is filed under its account like any other.
        expect(await store.sessions.destroyForAccount('account-r1', null)).toEqual([first.key]);
      });

      it('refuses to redeem an id consumed before, writing no session', async () => {
        const id = randomUUID();
        const expiresAt = clock + LONG_TTL_MS;
        const session = sessionFor('account-r2');

        expect(await store.handoffs.consume(id, expiresAt)).toBe(true);
        expect(await store.handoffs.redeem(id, expiresAt, session)).toBe('used');
        expect(await store.sessions.get(session.key)).toBeNull();
      });

      it('lets exactly one of 50 concurrent redeems of one id write its session', async () => {
        const id = randomUUID();
        const expiresAt = clock + LONG_TTL_MS;
        const sessions = Array.from({ length: 50 }, () => sessionFor('account-r3'));

        const results = await Promise.all(
          sessions.map((session) => store.handoffs.redeem(id, expiresAt, session)),
        );

        expect(results.filter((result) => result === 'redeemed')).toHaveLength(1);
        expect(results.filter((result) => result === 'used')).toHaveLength(49);
        const written = await Promise.all(
          sessions.map((session) => store.sessions.get(session.key)),
        );
        expect(written.filter((data) => data !== null)).toHaveLength(1);
        expect(written.findIndex((data) => data !== null)).toBe(results.indexOf('redeemed'));
      });

      it('refuses to redeem an expired id, writing no session', async () => {
        const session = sessionFor('account-r4');

        expect(await store.handoffs.redeem(randomUUID(), clock - 1, session)).toBe('used');
        expect(await store.sessions.get(session.key)).toBeNull();
      });

      it('destroys the session a redeem replaces in the same step, and only when it redeems', async () => {
        const expiresAt = clock + LONG_TTL_MS;
        const old = sessionFor('account-r6');
        await store.sessions.set(old.key, old.data, old.ttlMs);
        const used = randomUUID();
        expect(await store.handoffs.consume(used, expiresAt)).toBe(true);

        const refused = sessionFor('account-r6');
        expect(await store.handoffs.redeem(used, expiresAt, refused, old.key)).toBe('used');
        expect(await store.sessions.get(old.key)).toEqual(old.data);
        expect(await store.sessions.get(refused.key)).toBeNull();

        const next = sessionFor('account-r6');
        expect(await store.handoffs.redeem(randomUUID(), expiresAt, next, old.key)).toBe(
          'redeemed',
        );
        expect(await store.sessions.get(old.key)).toBeNull();
        expect(await store.sessions.get(next.key)).toEqual(next.data);
      });

      it('refuses, as stale, a redeem sealed under a credential version that has moved on', async () => {
        const account = await store.accounts.create(uniqueEmail(), 'hash-1');
        if (account === null) throw new Error('the account was not created');
        const expiresAt = Date.now() + LONG_TTL_MS;
        const old = sessionFor(account.id);
        await store.sessions.set(old.key, old.data, old.ttlMs);
        const sealed = { accountId: account.id, credentialVersion: 0 };
        await store.accounts.changePassword(account.id, 'hash-2');

        const id = randomUUID();
        const session = sessionFor(account.id);
        expect(await store.handoffs.redeem(id, expiresAt, session, old.key, sealed)).toBe('stale');

        expect(await store.sessions.get(session.key)).toBeNull();
        expect(await store.sessions.get(old.key)).toEqual(old.data);
        const current = { accountId: account.id, credentialVersion: 1 };
        expect(await store.handoffs.redeem(id, expiresAt, session, old.key, current)).toBe(
          'redeemed',
        );
      });

      it('refuses, as stale, a redeem for an account that does not exist', async () => {
        const accountId = randomUUID();
        const session = sessionFor(accountId);
        const sealed = { accountId, credentialVersion: 0 };

        expect(
          await store.handoffs.redeem(
            randomUUID(),
            Date.now() + LONG_TTL_MS,
            session,
            null,
            sealed,
          ),
        ).toBe('stale');
        expect(await store.sessions.get(session.key)).toBeNull();
      });

      it('lets no redeem racing 20 password changes sign in under the old version once they are done', async () => {
        const account = await store.accounts.create(uniqueEmail(), 'hash-1');
        if (account === null) throw new Error('the account was not created');
        const sealed = { accountId: account.id, credentialVersion: 0 };
        const expiresAt = Date.now() + LONG_TTL_MS;
        const sessions = Array.from({ length: 20 }, () => sessionFor(account.id));

        const [results] = await Promise.all([
          Promise.all(
            sessions.map((session) =>
              store.handoffs.redeem(randomUUID(), expiresAt, session, null, sealed),
            ),
          ),
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              store.accounts.changePassword(account.id, `h${i}`),
            ),
          ),
        ]);

        // Each redeem ran wholly before the first change or wholly after it.
        const written = await Promise.all(
          sessions.map((session) => store.sessions.get(session.key)),
        );
        results.forEach((result, i) => {
          expect(['redeemed', 'stale']).toContain(result);
          expect(written[i] !== null).toBe(result === 'redeemed');
        });
        expect(
          await store.handoffs.redeem(
            randomUUID(),
            expiresAt,
            sessionFor(account.id),
            null,
            sealed,
          ),
        ).toBe('stale');
      });

      it('leaves the id unused and the replaced session in place when the session cannot be written', async () => {
        const id = randomUUID();
        const expiresAt = clock + LONG_TTL_MS;
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

    describeFactorCases({ store: () => store, twin, passTime, now });
    const harness: StoreHarness = {
      store: () => store,
      twin,
      now,
      moveClock: (ms) => {
        clock += ms;
      },
      contents: options.contents,
    };
    describeTokenCases(harness);
    describeMailboxCases(harness);
    describeDeletionCases(harness);
    describeSessionListCases(harness);
    describeDeviceCases(harness);
    describeConfirmationCases(harness);
    describeEmailChangeCases(harness);
    describeSealedSecretCases(harness);
  });
}
