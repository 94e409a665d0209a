/**
 * The store specification for an account's confirmed email (`AccountStore.confirmEmail`),
 * run inside every store's suite (store-suite.ts): unconfirmed at creation, confirmed only
 * while the account still has the address the link was sent to, the first time kept, and
 * one consistent value however many confirmations race, on one instance or two.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../../server/store/store.ts';
import type { StoreHarness } from './store-suite.ts';

export function describeConfirmationCases(harness: StoreHarness): void {
  const { store, now } = harness;

  async function newAccount(): Promise<Account> {
    const account = await store().accounts.create(`${randomUUID()}@example.test`, 'hash-1');
    if (account === null) throw new Error('the account was not created');
    return account;
  }

  describe('accounts.confirmEmail', () => {
    it('creates every account unconfirmed', async () => {
      const account = await newAccount();
      expect(account.emailConfirmedAt).toBeNull();
      expect((await store().accounts.findById(account.id))?.emailConfirmedAt).toBeNull();
      expect((await store().accounts.findByEmail(account.email))?.emailConfirmedAt).toBeNull();
    });

    it('confirms the email at the time given, and nothing else about the account changes', async () => {
      const account = await newAccount();
      const at = now() + 1234;

      expect(await store().accounts.confirmEmail(account.id, account.email, at)).toBe(true);

      const confirmed = { ...account, emailConfirmedAt: at };
      expect(await store().accounts.findById(account.id)).toEqual(confirmed);
      expect(await store().accounts.findByEmail(account.email)).toEqual(confirmed);
    });

    it('keeps the first confirmation’s time, and says yes again', async () => {
      const account = await newAccount();
      const first = now();

      expect(await store().accounts.confirmEmail(account.id, account.email, first)).toBe(true);
      expect(await store().accounts.confirmEmail(account.id, account.email, first + 60_000)).toBe(
        true,
      );

      expect((await store().accounts.findById(account.id))?.emailConfirmedAt).toBe(first);
    });

    it('confirms nothing for an address the account does not have', async () => {
      const account = await newAccount();
      const other = `${randomUUID()}@example.test`;

      expect(await store().accounts.confirmEmail(account.id, other, now())).toBe(false);

      expect((await store().accounts.findById(account.id))?.emailConfirmedAt).toBeNull();
    });

    it('reads the address as the account stores it (normalized)', async () => {
      const account = await newAccount();

      expect(
        await store().accounts.confirmEmail(account.id, `  ${account.email.toUpperCase()}`, now()),
      ).toBe(true);
      expect((await store().accounts.findById(account.id))?.emailConfirmedAt).toBe(now());
    });

    it('confirms no unknown account, and creates none', async () => {
      const id = randomUUID();

      expect(await store().accounts.confirmEmail(id, 'nobody@example.test', now())).toBe(false);
      expect(await store().accounts.findById(id)).toBeNull();
    });

    it('leaves one confirmation time, the same on both instances, after 20 concurrent confirmations', async () => {
      const account = await newAccount();
      const twin = await harness.twin();
      const times = Array.from({ length: 20 }, (_, i) => now() + i * 1000);

      const answers = await Promise.all(
        times.map((at, i) =>
          (i % 2 ? twin : store()).accounts.confirmEmail(account.id, account.email, at),
        ),
      );

      expect(answers).toEqual(times.map(() => true));
      const seen = await Promise.all([
        store().accounts.findById(account.id),
        twin.accounts.findById(account.id),
      ]);
      const kept = seen[0]?.emailConfirmedAt;
      expect(times).toContain(kept);
      expect(seen[1]?.emailConfirmedAt).toBe(kept);
      // A later call changes it no more.
      await store().accounts.confirmEmail(account.id, account.email, now() + 99_000);
      expect((await twin.accounts.findById(account.id))?.emailConfirmedAt).toBe(kept);
    });

    it('confirms nothing of a deleted account', async () => {
      const account = await newAccount();
      await store().accounts.delete(account.id);

      expect(await store().accounts.confirmEmail(account.id, account.email, now())).toBe(false);
      expect(await store().accounts.findById(account.id)).toBeNull();
    });
  });
}
