/**
 * Baton runs the reseal sweep once at its start, in the background, when SECRET_KEYS holds
 * more than one key, and stops it when it closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { sealedByCurrentKey } from '../../../server/keys/sealed-box.ts';
import { openSqliteStore, type SqliteStore } from '../../../server/store/sqlite.ts';
import { startServer } from '../../helpers/start-server.ts';
import { gatedTimers } from '../../helpers/test-timers.ts';
import { accountWithCodes } from '../../helpers/two-factor.ts';

const OLD_KEY = 'old-key-that-is-long-enough-for-the-ring-0001';
const NEW_KEY = 'new-key-that-is-long-enough-for-the-ring-0002';
const START = Date.UTC(2030, 0, 1, 0, 0, 10);

let dir: string;
let store: SqliteStore;
let accountId: string;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-reseal-'));
  store = openSqliteStore({ file: path.join(dir, 'baton.db'), now: () => START });
  // Turned on while the old key was the only one.
  accountId = (await accountWithCodes(store, createKeyRing([OLD_KEY]), START)).id;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const sealedNow = async () => (await store.twoFactor.get(accountId))?.sealedSecret ?? '';
const newKeyOnly = createKeyRing([NEW_KEY]);

describe('the reseal sweep at the start', () => {
  it('runs in the background with more than one key: Baton listens and answers before its first page', async () => {
    const timers = gatedTimers();
    const server = await startServer({
      store,
      secrets: [NEW_KEY, OLD_KEY],
      resealSweep: { schedule: timers.schedule },
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(timers.waits).toEqual([200]);
      expect(sealedByCurrentKey(newKeyOnly, await sealedNow())).toBe(false);

      timers.open();

      expect(await server.baton.resealSweep).toEqual({
        status: 'done',
        counts: { resealed: 1, alreadyCurrent: 0, unreadable: 0, changed: 0 },
      });
      expect(sealedByCurrentKey(newKeyOnly, await sealedNow())).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('stops when Baton closes, leaving the rest for the next start', async () => {
    const timers = gatedTimers();
    const server = await startServer({
      store,
      secrets: [NEW_KEY, OLD_KEY],
      resealSweep: { schedule: timers.schedule },
    });
    const before = await sealedNow();

    await server.stop();

    expect(await server.baton.resealSweep).toEqual({
      status: 'stopped',
      counts: { resealed: 0, alreadyCurrent: 0, unreadable: 0, changed: 0 },
    });
    expect(await sealedNow()).toBe(before);
  });

  it('does not run with one key, nor when turned off', async () => {
    for (const options of [
      { secrets: [NEW_KEY] },
      { secrets: [NEW_KEY, OLD_KEY], resealSweep: false as const },
    ]) {
      const server = await startServer({ store, ...options });
      try {
        expect(await server.baton.resealSweep).toBeNull();
      } finally {
        await server.stop();
      }
    }
  });

  it('refuses a bad sweep option when Baton is created', async () => {
    await expect(
      startServer({ store, secrets: [NEW_KEY, OLD_KEY], resealSweep: { pageSize: 0.5 } }),
    ).rejects.toThrow(
      'resealTotpSecrets: option "pageSize" must be a whole number from 1 to 10000 (received 0.5)',
    );
  });
});
