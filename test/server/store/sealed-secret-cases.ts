/**
 * The store specification for listing authenticator secrets (`TwoFactorStore.sealedSecrets`),
 * which the reseal sweep pages through when a key rotates, run inside every store's suite
 * (store-suite.ts). The stores a suite opens may share their data with earlier tests, so
 * each case looks only at the accounts it made.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../server/store/store.ts';
import type { StoreHarness } from './store-suite.ts';

/** More pages than any case here can need: a listing that never ends fails instead of hanging. */
const MAX_PAGES = 100_000;

/** Every entry of every page, by account id (the listing may give one twice on Redis). */
async function listAll(store: Store, limit: number): Promise<Map<string, string[]>> {
  const seen = new Map<string, string[]>();
  let cursor: string | null = null;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const page = await store.twoFactor.sealedSecrets(cursor, limit);
    // SQLite answers at most `limit`; Redis answers what its SCAN calls found.
    if (store.kind === 'sqlite') expect(page.entries.length).toBeLessThanOrEqual(limit);
    for (const { accountId, sealedSecret } of page.entries) {
      seen.set(accountId, [...(seen.get(accountId) ?? []), sealedSecret]);
    }
    if (page.next === null) return seen;
    cursor = page.next;
  }
  throw new Error(`the listing did not end within ${MAX_PAGES} pages`);
}

export function describeSealedSecretCases(harness: StoreHarness): void {
  const { store, twin, now } = harness;

  async function newAccount(): Promise<string> {
    const account = await store().accounts.create(`${randomUUID()}@example.test`, 'hash-1');
    if (account === null) throw new Error('the account was not created');
    return account.id;
  }

  /** An account with two-factor on, its secret sealed as `sealed`. */
  async function accountOn(sealed: string): Promise<string> {
    const id = await newAccount();
    await store().twoFactor.setPending(id, sealed, now());
    expect(await store().twoFactor.enable(id, sealed, 100, [], now())).toBe(true);
    return id;
  }

  describe('twoFactor.sealedSecrets', () => {
    it('lists every secret that is on, page by page, and none of a pending setup or one turned off', async () => {
      const on = new Map<string, string>();
      for (let i = 0; i < 5; i += 1) {
        const sealed = `sealed-${i}-${randomUUID()}`;
        on.set(await accountOn(sealed), sealed);
      }
      const pendingOnly = await newAccount();
      await store().twoFactor.setPending(pendingOnly, `pending-${randomUUID()}`, now());
      const turnedOff = await accountOn(`off-${randomUUID()}`);
      await store().twoFactor.disable(turnedOff);
      // On, with a new setup pending beside it: its secret is listed, the pending one is not.
      const onAndPending = await accountOn(`kept-${randomUUID()}`);
      on.set(onAndPending, (await store().twoFactor.get(onAndPending))?.sealedSecret ?? '');
      await store().twoFactor.setPending(onAndPending, `pending-${randomUUID()}`, now());

      const seen = await listAll(store(), 2);

      for (const [id, sealed] of on) {
        expect(seen.get(id)?.length, `times ${id} was listed`).toBeGreaterThan(0);
        expect(new Set(seen.get(id))).toEqual(new Set([sealed]));
      }
      expect(seen.has(pendingOnly)).toBe(false);
      expect(seen.has(turnedOff)).toBe(false);
    });

    it('lists a resealed secret as it is now, on a second instance too', async () => {
      const id = await accountOn(`sealed-${randomUUID()}`);
      const previous = (await store().twoFactor.get(id))?.sealedSecret ?? '';
      const resealed = `resealed-${randomUUID()}`;
      expect(await store().twoFactor.reseal(id, previous, resealed)).toBe(true);

      for (const each of [store(), await twin()]) {
        expect(new Set((await listAll(each, 50)).get(id))).toEqual(new Set([resealed]));
      }
    });

    it('ends the listing with a null cursor, whatever the page size', async () => {
      const id = await accountOn(`sealed-${randomUUID()}`);

      for (const limit of [1, 1000]) {
        expect((await listAll(store(), limit)).has(id)).toBe(true);
      }
    });
  });
}
