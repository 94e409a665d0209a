/**
 * The store specification for the sessions page (`SessionStore.listForAccount` and
 * `destroyByHandle`), run inside every store's suite (store-suite.ts): an account's live
 * sessions listed, one of them ended by its handle, on every instance, and never another
 * account's.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreHarness } from './store-suite.ts';

const LONG_TTL_MS = 60_000;

export function describeSessionListCases(harness: StoreHarness): void {
  const { store } = harness;

  /** A session of `accountId` with a handle of its own; resolves with its key and handle. */
  async function session(accountId: string, ttlMs = LONG_TTL_MS) {
    const key = randomUUID();
    const handle = randomUUID();
    const data = { accountId, handle, device: 'Firefox on Linux', ip: '192.0.2.1' };
    await store().sessions.set(key, data, ttlMs);
    return { key, handle, data };
  }

  const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

  describe('sessions.listForAccount', () => {
    it("lists the account's live sessions with their data, and no other account's", async () => {
      const accountId = randomUUID();
      const first = await session(accountId);
      const second = await session(accountId);
      await session(randomUUID());

      const listed = await store().sessions.listForAccount(accountId);

      expect([...listed].sort(byKey)).toEqual(
        [
          { key: first.key, data: first.data },
          { key: second.key, data: second.data },
        ].sort(byKey),
      );
    });

    it('leaves out sessions that ended, and lists none for an account without any', async () => {
      const accountId = randomUUID();
      const ended = await session(accountId);
      const kept = await session(accountId);
      await store().sessions.destroy(ended.key);

      expect(await store().sessions.listForAccount(accountId)).toEqual([
        { key: kept.key, data: kept.data },
      ]);
      expect(await store().sessions.listForAccount(randomUUID())).toEqual([]);
    });

    it('lists a session written on the other instance', async () => {
      const other = await harness.twin();
      const accountId = randomUUID();
      const written = await session(accountId);

      expect(await other.sessions.listForAccount(accountId)).toEqual([
        { key: written.key, data: written.data },
      ]);
    });
  });

  describe('sessions.destroyByHandle', () => {
    it('ends the session with that handle and says which, leaving the others', async () => {
      const accountId = randomUUID();
      const target = await session(accountId);
      const other = await session(accountId);

      expect(await store().sessions.destroyByHandle(accountId, target.handle)).toBe(target.key);

      expect(await store().sessions.get(target.key)).toBeNull();
      expect(await store().sessions.get(other.key)).toEqual(other.data);
      expect(await store().sessions.destroyByHandle(accountId, target.handle)).toBeNull();
    });

    it("ends nothing with another account's handle, or an unknown one", async () => {
      const owner = randomUUID();
      const theirs = await session(owner);

      expect(await store().sessions.destroyByHandle(randomUUID(), theirs.handle)).toBeNull();
      expect(await store().sessions.destroyByHandle(owner, randomUUID())).toBeNull();
      expect(await store().sessions.get(theirs.key)).toEqual(theirs.data);
    });

    it('ends a session on the other instance', async () => {
      const other = await harness.twin();
      const accountId = randomUUID();
      const target = await session(accountId);

      expect(await other.sessions.destroyByHandle(accountId, target.handle)).toBe(target.key);
      expect(await store().sessions.get(target.key)).toBeNull();
      expect(await store().sessions.listForAccount(accountId)).toEqual([]);
    });
  });
}
