/**
 * The reseal sweep logs counts and account ids, never a secret: the server logs at `trace`
 * through a sweep that reseals one secret, finds one already current and one no key opens,
 * and has a write fail with an error carrying its command's arguments (as a Redis error
 * does), and the text it wrote must hold no authenticator secret, no sealed form of one
 * (before or after), no key and no derived key, not even a 16-character piece of one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { createLogger } from '../../server/logger.ts';
import { openSqliteStore, type SqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/store.ts';
import { captureLogs, leaksOf } from '../helpers/log-capture.ts';
import { startServer } from '../helpers/start-server.ts';
import { promptTimers } from '../helpers/test-timers.ts';
import { accountWithCodes } from '../helpers/two-factor.ts';

const OLD_KEY = 'old-key-that-is-long-enough-for-the-ring-0001';
const NEW_KEY = 'new-key-that-is-long-enough-for-the-ring-0002';
const GONE_KEY = 'gone-key-that-is-long-enough-for-the-ring-003';
const START = Date.UTC(2030, 0, 1, 0, 0, 10);

let dir: string;
let store: SqliteStore;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-reseal-logs-'));
  store = openSqliteStore({ file: path.join(dir, 'baton.db'), now: () => START });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('logs of the reseal sweep', () => {
  it('hold no authenticator secret, sealed secret or key', async () => {
    const secrets = new Map<string, string>();
    const rings = {
      old: createKeyRing([OLD_KEY]),
      new: createKeyRing([NEW_KEY]),
      gone: createKeyRing([GONE_KEY]),
    };
    for (const [name, key] of [
      ['old', OLD_KEY],
      ['new', NEW_KEY],
      ['gone', GONE_KEY],
    ] as const) {
      secrets.set(`the ${name} key`, key);
      const derived = rings[name].current.key('two-factor');
      for (const encoding of ['base64url', 'base64', 'hex'] as const) {
        secrets.set(`the ${name} two-factor key (${encoding})`, derived.toString(encoding));
      }
    }
    const accounts = {
      resealed: await accountWithCodes(store, rings.old, START),
      current: await accountWithCodes(store, rings.new, START),
      unreadable: await accountWithCodes(store, rings.gone, START),
    };
    const noteSealed = async (when: string) => {
      for (const [name, account] of Object.entries(accounts)) {
        secrets.set(`the ${name} account's secret`, account.secret);
        const sealed = (await store.twoFactor.get(account.id))?.sealedSecret ?? '';
        secrets.set(`the ${name} account's sealed secret ${when}`, sealed);
      }
    };
    await noteSealed('before');
    // The first write fails as a Redis error would: with the command's arguments attached.
    let failed = false;
    const failingOnce: Store = {
      ...store,
      twoFactor: {
        ...store.twoFactor,
        async reseal(accountId, previous, sealedSecret) {
          if (!failed) {
            failed = true;
            throw Object.assign(new Error('ERR Error running script'), {
              name: 'ReplyError',
              command: { name: 'evalsha', args: ['sha', '1', accountId, previous, sealedSecret] },
            });
          }
          return store.twoFactor.reseal(accountId, previous, sealedSecret);
        },
      },
    };
    const logs = captureLogs();
    const server = await startServer({
      store: failingOnce,
      secrets: [NEW_KEY, OLD_KEY],
      logger: createLogger({ level: 'trace', destination: logs.destination }),
      resealSweep: { schedule: promptTimers().schedule, retryDelaysMs: [1_000] },
    });
    try {
      expect((await server.baton.resealSweep)?.counts).toEqual({
        resealed: 1,
        alreadyCurrent: 1,
        unreadable: 1,
        changed: 0,
      });
    } finally {
      await server.stop();
    }
    await noteSealed('after');

    const codes = logs.records().map((record) => record.code);
    expect(codes).toContain('two-factor.reseal-retry');
    expect(codes).toContain('two-factor.resealed');
    expect(
      logs.records().filter((record) => record.code === 'two-factor.secret-unreadable'),
    ).toEqual([expect.objectContaining({ accountId: accounts.unreadable.id })]);
    // Three keys and their derived keys, three secrets, each sealed before and after.
    expect(secrets.size).toBe(3 + 9 + 3 + 3 + 3);
    expect(leaksOf(secrets, logs.text())).toEqual([]);
  });
});
