/**
 * The store specification for the browsers each account has signed in from
 * (`KnownDeviceStore`), run inside every store's suite (store-suite.ts): remembering is one
 * step that says "new" to exactly one caller, on every instance; each account keeps only its
 * most recently seen browsers; deleting the account forgets them.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  KNOWN_DEVICE_SEEN_RESOLUTION_MS,
  KNOWN_DEVICES_LIMIT,
} from '../../../server/store/store.ts';

const DAY = KNOWN_DEVICE_SEEN_RESOLUTION_MS;

import type { StoreHarness } from './store-suite.ts';

export function describeDeviceCases(harness: StoreHarness): void {
  const { store, now } = harness;

  async function newAccount(): Promise<Account> {
    const account = await store().accounts.create(`${randomUUID()}@example.test`, 'hash-1');
    if (account === null) throw new Error('the account was not created');
    return account;
  }

  describe('devices.remember', () => {
    it('says a browser is new the first time it signs in to an account, and known after', async () => {
      const account = await newAccount();

      expect(await store().devices.remember(account.id, 'digest-a', now())).toBe(true);
      expect(await store().devices.remember(account.id, 'digest-a', now() + 1)).toBe(false);
      expect(await store().devices.remember(account.id, 'digest-b', now() + 2)).toBe(true);
      expect(await store().devices.count(account.id)).toBe(2);
    });

    it("keeps each account's browsers apart", async () => {
      const first = await newAccount();
      const second = await newAccount();
      await store().devices.remember(first.id, 'digest-a', now());

      expect(await store().devices.remember(second.id, 'digest-a', now())).toBe(true);
    });

    it('files nothing for an account that does not exist', async () => {
      const missing = randomUUID();

      expect(await store().devices.remember(missing, 'digest-a', now())).toBe(false);
      expect(await store().devices.count(missing)).toBe(0);
    });

    it(`keeps the ${KNOWN_DEVICES_LIMIT} most recently seen browsers of an account and drops the one seen longest ago`, async () => {
      const account = await newAccount();
      const at = now();
      for (let i = 0; i < KNOWN_DEVICES_LIMIT; i += 1)
        await store().devices.remember(account.id, `digest-${i}`, at + i);
      // digest-0 signs in again a day later: now the most recently seen, so digest-1 is the oldest.
      expect(await store().devices.remember(account.id, 'digest-0', at + DAY)).toBe(false);

      expect(await store().devices.remember(account.id, 'digest-new', at + DAY + 1)).toBe(true);

      expect(await store().devices.count(account.id)).toBe(KNOWN_DEVICES_LIMIT);
      expect(await store().devices.remember(account.id, 'digest-0', at + DAY + 2)).toBe(false);
      expect(await store().devices.remember(account.id, 'digest-2', at + DAY + 3)).toBe(false);
      expect(await store().devices.remember(account.id, 'digest-1', at + DAY + 4)).toBe(true);
    });

    it("moves a known browser's last sighting on at most once a day", async () => {
      const account = await newAccount();
      const at = now();
      for (let i = 0; i < KNOWN_DEVICES_LIMIT; i += 1)
        await store().devices.remember(account.id, `digest-${i}`, at + i);
      // Seen again within the day: its sighting stays, so it is still the oldest.
      expect(await store().devices.remember(account.id, 'digest-0', at + DAY - 1)).toBe(false);

      expect(await store().devices.remember(account.id, 'digest-new', at + DAY)).toBe(true);

      expect(await store().devices.remember(account.id, 'digest-0', at + DAY + 1)).toBe(true);
    });

    it('says "new" to exactly one of 20 sign-ins from one new browser racing on two instances', async () => {
      const other = await harness.twin();
      const account = await newAccount();

      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store() : other).devices.remember(account.id, 'digest-a', now() + i),
        ),
      );

      expect(answers.filter((isNew) => isNew)).toHaveLength(1);
      expect(await other.devices.count(account.id)).toBe(1);
    });

    it("are forgotten with the account, in the deletion's one step", async () => {
      const account = await newAccount();
      await store().devices.remember(account.id, 'digest-a', now());

      await store().accounts.delete(account.id);

      expect(await store().devices.count(account.id)).toBe(0);
      expect(await store().devices.remember(account.id, 'digest-a', now())).toBe(false);
      expect(await store().devices.count(account.id)).toBe(0);
    });
  });
}
