/**
 * The store specification for second factors (issue 17): authenticator-app state, recovery
 * codes, passkeys and passkey challenges. Part of the shared suite: `describeStore`
 * (./store-suite.ts) runs these against every store, with its clock and its twin.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Store, StoredPasskey } from '../../../server/store/store.ts';

const LONG_TTL_MS = 60_000;
const SHORT_TTL_MS = 50;
const PAST_SHORT_TTL_MS = 120;

export interface FactorCaseContext {
  /** This test's store. */
  store: () => Store;
  /** A second store on the same data (a second instance), or this one when not shared. */
  twin: () => Promise<Store>;
  /** Moves the injected clock (and waits for real where the store expires on its own). */
  passTime: (ms: number) => Promise<void>;
  now: () => number;
}

export function describeFactorCases(context: FactorCaseContext): void {
  const { twin, passTime, now } = context;
  /** A fresh account: SQLite files two-factor rows and passkeys under an existing account. */
  const newAccount = async (store = context.store()) => {
    const account = await store.accounts.create(`${randomUUID()}@example.test`, 'hash');
    if (account === null) throw new Error('could not create an account');
    return account.id;
  };
  /** An account with two-factor on at step 100 and the given recovery code hashes. */
  const accountWithTwoFactor = async (codeHashes: string[] = []) => {
    const store = context.store();
    const id = await newAccount();
    await store.twoFactor.setPending(id, 'sealed-secret', now());
    expect(await store.twoFactor.enable(id, 'sealed-secret', 100, codeHashes, now())).toBe(true);
    return id;
  };
  const passkey = (accountId: string, overrides: Partial<StoredPasskey> = {}): StoredPasskey => ({
    id: randomUUID(),
    accountId,
    publicKey: new Uint8Array([1, 2, 3, 250, 251]),
    counter: 0,
    transports: ['internal', 'hybrid'],
    name: 'Laptop',
    createdAt: now(),
    lastUsedAt: null,
    ...overrides,
  });

  describe('twoFactor', () => {
    it('returns null for an account with nothing stored', async () => {
      expect(await context.store().twoFactor.get(await newAccount())).toBeNull();
    });

    it('files a pending secret without turning anything on', async () => {
      const store = context.store();
      const id = await newAccount();

      await store.twoFactor.setPending(id, 'pending-1', 1234);

      expect(await store.twoFactor.get(id)).toEqual({
        sealedSecret: null,
        enabledAt: null,
        lastStep: 0,
        pending: { sealedSecret: 'pending-1', createdAt: 1234 },
        recoveryCodesLeft: 0,
      });
      expect(await store.twoFactor.acceptStep(id, 5)).toBe(false);
    });

    it('turns on with the pending secret, its step and its recovery codes, in one step', async () => {
      const store = context.store();
      const id = await newAccount();
      await store.twoFactor.setPending(id, 'pending-1', 1234);

      expect(await store.twoFactor.enable(id, 'pending-1', 100, ['h1', 'h2', 'h3'], 5678)).toBe(
        true,
      );

      expect(await store.twoFactor.get(id)).toEqual({
        sealedSecret: 'pending-1',
        enabledAt: 5678,
        lastStep: 100,
        pending: null,
        recoveryCodesLeft: 3,
      });
    });

    it('refuses to turn on with a secret that is no longer the pending one', async () => {
      const store = context.store();
      const id = await newAccount();
      await store.twoFactor.setPending(id, 'first-tab', 1);
      await store.twoFactor.setPending(id, 'second-tab', 2);

      expect(await store.twoFactor.enable(id, 'first-tab', 100, ['h1'], 3)).toBe(false);

      expect(await store.twoFactor.get(id)).toEqual({
        sealedSecret: null,
        enabledAt: null,
        lastStep: 0,
        pending: { sealedSecret: 'second-tab', createdAt: 2 },
        recoveryCodesLeft: 0,
      });
    });

    it('keeps what is on while a new setup is pending', async () => {
      const store = context.store();
      const id = await accountWithTwoFactor(['h1']);

      await store.twoFactor.setPending(id, 'next-secret', 9);

      const record = await store.twoFactor.get(id);
      expect(record?.sealedSecret).toBe('sealed-secret');
      expect(record?.pending).toEqual({ sealedSecret: 'next-secret', createdAt: 9 });
      expect(await store.twoFactor.acceptStep(id, 101)).toBe(true);
    });

    it('accepts a step newer than the last accepted, once, and refuses older ones', async () => {
      const store = context.store();
      const id = await accountWithTwoFactor();

      expect(await store.twoFactor.acceptStep(id, 100)).toBe(false);
      expect(await store.twoFactor.acceptStep(id, 99)).toBe(false);
      expect(await store.twoFactor.acceptStep(id, 101)).toBe(true);
      expect(await store.twoFactor.acceptStep(id, 101)).toBe(false);
      expect(await store.twoFactor.acceptStep(id, 103)).toBe(true);
      expect(await store.twoFactor.acceptStep(id, 102)).toBe(false);
      expect((await store.twoFactor.get(id))?.lastStep).toBe(103);
    });

    it('accepts exactly one of 20 concurrent uses of one step on two instances', async () => {
      const store = context.store();
      const other = await twin();
      const id = await accountWithTwoFactor();

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).twoFactor.acceptStep(id, 101)),
      );

      expect(results.filter((accepted) => accepted)).toHaveLength(1);
    });

    it('uses up a recovery code once and refuses an unknown one', async () => {
      const store = context.store();
      const id = await accountWithTwoFactor(['h1', 'h2']);

      expect(await store.twoFactor.useRecoveryCode(id, 'h1')).toBe(true);
      expect(await store.twoFactor.useRecoveryCode(id, 'h1')).toBe(false);
      expect(await store.twoFactor.useRecoveryCode(id, 'unknown')).toBe(false);
      expect((await store.twoFactor.get(id))?.recoveryCodesLeft).toBe(1);
    });

    it("refuses another account's recovery code", async () => {
      const store = context.store();
      await accountWithTwoFactor(['theirs']);
      const id = await accountWithTwoFactor(['mine']);

      expect(await store.twoFactor.useRecoveryCode(id, 'theirs')).toBe(false);
    });

    it('lets exactly one of 20 concurrent uses of one recovery code on two instances succeed', async () => {
      const store = context.store();
      const other = await twin();
      const id = await accountWithTwoFactor(['h1', 'h2']);

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : store).twoFactor.useRecoveryCode(id, 'h1'),
        ),
      );

      expect(results.filter((used) => used)).toHaveLength(1);
      expect((await store.twoFactor.get(id))?.recoveryCodesLeft).toBe(1);
    });

    it('replaces the recovery codes while on, and writes none while off', async () => {
      const store = context.store();
      const id = await accountWithTwoFactor(['old-1', 'old-2']);

      expect(await store.twoFactor.replaceRecoveryCodes(id, ['new-1'])).toBe(true);
      expect(await store.twoFactor.useRecoveryCode(id, 'old-1')).toBe(false);
      expect(await store.twoFactor.useRecoveryCode(id, 'new-1')).toBe(true);

      const off = await newAccount();
      expect(await store.twoFactor.replaceRecoveryCodes(off, ['x'])).toBe(false);
      expect(await store.twoFactor.get(off)).toBeNull();
    });

    it('reseals the secret only while it is still the one it replaces', async () => {
      const store = context.store();
      const id = await accountWithTwoFactor();

      expect(await store.twoFactor.reseal(id, 'not-this-one', 'resealed')).toBe(false);
      expect(await store.twoFactor.reseal(id, 'sealed-secret', 'resealed')).toBe(true);
      expect((await store.twoFactor.get(id))?.sealedSecret).toBe('resealed');
    });

    it('turns off: removes the secret, a pending one, the step and the codes', async () => {
      const store = context.store();
      const id = await accountWithTwoFactor(['h1']);
      await store.twoFactor.setPending(id, 'next', 1);

      expect(await store.twoFactor.disable(id)).toBe(true);

      expect(await store.twoFactor.get(id)).toBeNull();
      expect(await store.twoFactor.useRecoveryCode(id, 'h1')).toBe(false);
      expect(await store.twoFactor.acceptStep(id, 500)).toBe(false);
      expect(await store.twoFactor.disable(id)).toBe(false);
    });

    it('says it was not on when removing only a pending setup', async () => {
      const store = context.store();
      const id = await newAccount();
      await store.twoFactor.setPending(id, 'pending', 1);

      expect(await store.twoFactor.disable(id)).toBe(false);
      expect(await store.twoFactor.get(id)).toBeNull();
    });
  });

  describe('passkeys', () => {
    it('files a passkey and finds it by id, every field as written', async () => {
      const store = context.store();
      const stored = passkey(await newAccount(), { counter: 7, lastUsedAt: 42 });

      expect(await store.passkeys.add(stored)).toBe(true);

      expect(await store.passkeys.findById(stored.id)).toEqual(stored);
      expect(await store.passkeys.findById(randomUUID())).toBeNull();
    });

    it('refuses a second passkey with the same credential id, for any account', async () => {
      const store = context.store();
      const first = passkey(await newAccount());
      await store.passkeys.add(first);

      expect(await store.passkeys.add({ ...passkey(await newAccount()), id: first.id })).toBe(
        false,
      );
      expect(await store.passkeys.findById(first.id)).toEqual(first);
    });

    it("lists an account's passkeys oldest first, and no one else's", async () => {
      const store = context.store();
      const id = await newAccount();
      const newer = passkey(id, { createdAt: now() + 2, name: 'Phone' });
      const older = passkey(id, { createdAt: now() + 1, name: 'Laptop' });
      await store.passkeys.add(newer);
      await store.passkeys.add(older);
      await store.passkeys.add(passkey(await newAccount()));

      expect(await store.passkeys.listForAccount(id)).toEqual([older, newer]);
      expect(await store.passkeys.listForAccount(await newAccount())).toEqual([]);
    });

    it("renames only the account's own passkey", async () => {
      const store = context.store();
      const id = await newAccount();
      const stored = passkey(id);
      await store.passkeys.add(stored);

      expect(await store.passkeys.rename(await newAccount(), stored.id, 'Stolen')).toBe(false);
      expect(await store.passkeys.rename(id, stored.id, 'Work laptop')).toBe(true);
      expect(await store.passkeys.rename(id, randomUUID(), 'Nothing')).toBe(false);
      expect((await store.passkeys.findById(stored.id))?.name).toBe('Work laptop');
    });

    it('records a use only when the counter moves forward', async () => {
      const store = context.store();
      const stored = passkey(await newAccount(), { counter: 5 });
      await store.passkeys.add(stored);

      expect(await store.passkeys.recordUse(stored.id, 5, 1000)).toBe(false);
      expect(await store.passkeys.recordUse(stored.id, 4, 1000)).toBe(false);
      expect(await store.passkeys.recordUse(stored.id, 6, 2000)).toBe(true);

      const used = await store.passkeys.findById(stored.id);
      expect(used?.counter).toBe(6);
      expect(used?.lastUsedAt).toBe(2000);
      expect(await store.passkeys.recordUse(randomUUID(), 9, 1000)).toBe(false);
    });

    it('records every use of an authenticator that keeps no counter (0 on both sides)', async () => {
      const store = context.store();
      const stored = passkey(await newAccount(), { counter: 0 });
      await store.passkeys.add(stored);

      expect(await store.passkeys.recordUse(stored.id, 0, 1000)).toBe(true);
      expect(await store.passkeys.recordUse(stored.id, 0, 2000)).toBe(true);
      expect((await store.passkeys.findById(stored.id))?.lastUsedAt).toBe(2000);
    });

    it('records exactly one of 20 concurrent uses with one counter value on two instances', async () => {
      const store = context.store();
      const other = await twin();
      const stored = passkey(await newAccount(), { counter: 4 });
      await store.passkeys.add(stored);

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : store).passkeys.recordUse(stored.id, 5, 1000 + i),
        ),
      );

      expect(results.filter((recorded) => recorded)).toHaveLength(1);
    });

    it("removes only the account's own passkey", async () => {
      const store = context.store();
      const id = await newAccount();
      const kept = passkey(id);
      const removed = passkey(id);
      await store.passkeys.add(kept);
      await store.passkeys.add(removed);

      expect(await store.passkeys.remove(await newAccount(), removed.id)).toBe(false);
      expect(await store.passkeys.remove(id, removed.id)).toBe(true);
      expect(await store.passkeys.remove(id, removed.id)).toBe(false);

      expect(await store.passkeys.findById(removed.id)).toBeNull();
      expect(await store.passkeys.listForAccount(id)).toEqual([kept]);
    });

    it("removes all of an account's passkeys and leaves other accounts' alone", async () => {
      const store = context.store();
      const id = await newAccount();
      const others = passkey(await newAccount());
      await store.passkeys.add(passkey(id));
      await store.passkeys.add(passkey(id));
      await store.passkeys.add(others);

      expect(await store.passkeys.removeAll(id)).toBe(2);

      expect(await store.passkeys.listForAccount(id)).toEqual([]);
      expect(await store.passkeys.findById(others.id)).toEqual(others);
      expect(await store.passkeys.removeAll(id)).toBe(0);
    });
  });

  describe('challenges', () => {
    it('gives a challenge back once', async () => {
      const store = context.store();
      const key = randomUUID();
      await store.challenges.put(key, 'challenge-1', now() + LONG_TTL_MS);

      expect(await store.challenges.take(key)).toBe('challenge-1');
      expect(await store.challenges.take(key)).toBeNull();
    });

    it('gives nothing for another key', async () => {
      const store = context.store();
      const key = randomUUID();
      await store.challenges.put(key, 'challenge-1', now() + LONG_TTL_MS);

      expect(await store.challenges.take(randomUUID())).toBeNull();
      expect(await store.challenges.take(key)).toBe('challenge-1');
    });

    it('keeps only the newest challenge put under a key', async () => {
      const store = context.store();
      const key = randomUUID();
      await store.challenges.put(key, 'first', now() + LONG_TTL_MS);
      await store.challenges.put(key, 'second', now() + LONG_TTL_MS);

      expect(await store.challenges.take(key)).toBe('second');
      expect(await store.challenges.take(key)).toBeNull();
    });

    it('gives nothing once the challenge has expired', async () => {
      const store = context.store();
      const key = randomUUID();
      await store.challenges.put(key, 'challenge-1', now() + SHORT_TTL_MS);

      await passTime(PAST_SHORT_TTL_MS);

      expect(await store.challenges.take(key)).toBeNull();
    });

    it('gives a challenge to exactly one of 20 concurrent takers on two instances', async () => {
      const store = context.store();
      const other = await twin();
      const key = randomUUID();
      await store.challenges.put(key, 'challenge-1', now() + LONG_TTL_MS);

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).challenges.take(key)),
      );

      expect(results.filter((taken) => taken !== null)).toEqual(['challenge-1']);
    });
  });
}
