import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { sealedByCurrentKey } from '../../../server/keys/sealed-box.ts';
import { createLogger } from '../../../server/logger.ts';
import { openSqliteStore, type SqliteStore } from '../../../server/store/sqlite.ts';
import type { TwoFactorStore } from '../../../server/store/store.ts';
import {
  RESEAL_SWEEP_DEFAULTS,
  type ResealSweepOptions,
  resealTotpSecrets,
} from '../../../server/two-factor/reseal-sweep.ts';
import { createTwoFactor } from '../../../server/two-factor/two-factor.ts';
import { captureLogs, type LogCapture } from '../../helpers/log-capture.ts';
import { gatedTimers, promptTimers } from '../../helpers/test-timers.ts';
import { accountWithCodes, totpAt } from '../../helpers/two-factor.ts';

const OLD_KEY = 'old-key-that-is-long-enough-for-the-ring-0001';
const NEW_KEY = 'new-key-that-is-long-enough-for-the-ring-0002';
const GONE_KEY = 'gone-key-that-is-long-enough-for-the-ring-003';
const OLD = createKeyRing([OLD_KEY]);
const ROTATED = createKeyRing([NEW_KEY, OLD_KEY]);
const NEW_ONLY = createKeyRing([NEW_KEY]);
const GONE = createKeyRing([GONE_KEY]);
/** 10 s into a time step. */
const START = Date.UTC(2030, 0, 1, 0, 0, 10);
/** A later step than the one each setup was confirmed with. */
const LATER = START + 60_000;

let store: SqliteStore;
let logs: LogCapture;

beforeEach(() => {
  store = openSqliteStore({ file: ':memory:', now: () => START });
  logs = captureLogs();
});

afterEach(async () => {
  await store.close();
});

/** A sweep with the rotated ring over `twoFactorStore`, its timers fired at once. */
function sweep(overrides: Partial<ResealSweepOptions> = {}) {
  const timers = promptTimers();
  const outcome = resealTotpSecrets({
    store: store.twoFactor,
    ring: ROTATED,
    logger: createLogger({ level: 'trace', destination: logs.destination }),
    pageSize: 2,
    schedule: timers.schedule,
    ...overrides,
  });
  return { outcome, waits: timers.waits };
}

const sealedOf = async (id: string) => (await store.twoFactor.get(id))?.sealedSecret ?? null;
const codesFrom = (keys: typeof NEW_ONLY) =>
  createTwoFactor({ store: store.twoFactor, ring: keys, now: () => LATER });

describe('resealTotpSecrets', () => {
  it('seals every secret under an older key again under the newest, so it opens once the older key is gone', async () => {
    const old = [
      await accountWithCodes(store, OLD, START),
      await accountWithCodes(store, OLD, START),
      await accountWithCodes(store, OLD, START),
    ];
    const current = await accountWithCodes(store, ROTATED, START);
    const currentSealed = await sealedOf(current.id);
    const unreadable = await accountWithCodes(store, GONE, START);
    const unreadableSealed = await sealedOf(unreadable.id);
    const { outcome, waits } = sweep();

    expect(await outcome).toEqual({
      status: 'done',
      counts: { resealed: 3, alreadyCurrent: 1, unreadable: 1, changed: 0 },
    });
    // Five secrets in pages of two: three pages, a pause before each.
    expect(waits).toEqual([200, 200, 200]);
    expect(await sealedOf(current.id)).toBe(currentSealed);
    expect(await sealedOf(unreadable.id)).toBe(unreadableSealed);
    const withoutOld = codesFrom(NEW_ONLY);
    for (const account of [...old, current]) {
      expect(sealedByCurrentKey(NEW_ONLY, (await sealedOf(account.id)) ?? '')).toBe(true);
      expect(await withoutOld.verify(account.id, totpAt(account.secret, LATER))).toEqual({
        ok: true,
        method: 'code',
      });
    }
    expect(await withoutOld.verify(unreadable.id, totpAt(unreadable.secret, LATER))).toEqual({
      ok: false,
      code: 'two-factor.secret-unreadable',
    });
  });

  it('logs one line with the counts at the end, and each unreadable secret by its account id alone', async () => {
    await accountWithCodes(store, OLD, START);
    const unreadable = await accountWithCodes(store, GONE, START);

    await sweep().outcome;

    const records = logs.records();
    expect(records.filter((record) => record.code === 'two-factor.resealed')).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'authenticator secrets sealed under the newest key',
        resealed: 1,
        alreadyCurrent: 0,
        unreadable: 1,
        changed: 0,
      }),
    ]);
    const unreadableLines = records.filter(
      (record) => record.code === 'two-factor.secret-unreadable',
    );
    expect(unreadableLines).toHaveLength(1);
    const { time: _time, pid: _pid, hostname: _hostname, ...line } = unreadableLines[0] ?? {};
    expect(line).toEqual({
      level: 40,
      code: 'two-factor.secret-unreadable',
      accountId: unreadable.id,
      msg: 'authenticator secret opens with no key on the ring: left as it is',
    });
  });

  it('leaves a pending setup alone', async () => {
    const account = await store.accounts.create('pending@example.test', 'hash');
    if (!account) throw new Error('no account');
    const setup = await createTwoFactor({ store: store.twoFactor, ring: OLD }).beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);
    const pending = (await store.twoFactor.get(account.id))?.pending;

    expect((await sweep().outcome).counts).toEqual({
      resealed: 0,
      alreadyCurrent: 0,
      unreadable: 0,
      changed: 0,
    });
    expect((await store.twoFactor.get(account.id))?.pending).toEqual(pending);
  });

  it('does not undo a disable that lands between the listing and the write', async () => {
    const kept = await accountWithCodes(store, OLD, START);
    const disabled = await accountWithCodes(store, OLD, START);
    const racing: TwoFactorStore = {
      ...store.twoFactor,
      async sealedSecrets(cursor, limit) {
        const page = await store.twoFactor.sealedSecrets(cursor, limit);
        await store.twoFactor.disable(disabled.id);
        return page;
      },
    };

    expect((await sweep({ store: racing }).outcome).counts).toEqual({
      resealed: 1,
      alreadyCurrent: 0,
      unreadable: 0,
      changed: 1,
    });
    expect(await store.twoFactor.get(disabled.id)).toBeNull();
    expect(await codesFrom(NEW_ONLY).status(disabled.id)).toEqual({
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
    });
    expect(sealedByCurrentKey(NEW_ONLY, (await sealedOf(kept.id)) ?? '')).toBe(true);
  });

  it('keeps a secret set up again between the listing and the write', async () => {
    const account = await accountWithCodes(store, OLD, START);
    let again = '';
    const racing: TwoFactorStore = {
      ...store.twoFactor,
      async sealedSecrets(cursor, limit) {
        const page = await store.twoFactor.sealedSecrets(cursor, limit);
        if (page.entries.length > 0) {
          await store.twoFactor.disable(account.id);
          const twoFactor = createTwoFactor({
            store: store.twoFactor,
            ring: ROTATED,
            now: () => START,
          });
          const setup = await twoFactor.beginSetup(account);
          if (!setup.ok) throw new Error(setup.code);
          await twoFactor.confirmSetup(account.id, totpAt(setup.offer.secret, START));
          again = (await sealedOf(account.id)) ?? '';
        }
        return page;
      },
    };

    expect((await sweep({ store: racing }).outcome).counts.changed).toBe(1);
    expect(again).not.toBe('');
    expect(await sealedOf(account.id)).toBe(again);
  });

  it('stops before its first page when stopped during its first pause, writing nothing and logging no counts line', async () => {
    const account = await accountWithCodes(store, OLD, START);
    const sealed = await sealedOf(account.id);
    const timers = gatedTimers();
    const stop = new AbortController();
    const outcome = resealTotpSecrets({
      store: store.twoFactor,
      ring: ROTATED,
      logger: createLogger({ level: 'trace', destination: logs.destination }),
      schedule: timers.schedule,
      signal: stop.signal,
    });

    stop.abort();

    expect(await outcome).toEqual({
      status: 'stopped',
      counts: { resealed: 0, alreadyCurrent: 0, unreadable: 0, changed: 0 },
    });
    expect(timers.waits).toEqual([RESEAL_SWEEP_DEFAULTS.pauseMs]);
    expect(await sealedOf(account.id)).toBe(sealed);
    expect(logs.records().map((record) => record.code)).toEqual(['two-factor.reseal-stopped']);
  });

  it('stops after the write in flight when stopped in the middle of a page', async () => {
    const first = await accountWithCodes(store, OLD, START);
    const second = await accountWithCodes(store, OLD, START);
    const stop = new AbortController();
    const stopping: TwoFactorStore = {
      ...store.twoFactor,
      async reseal(accountId, previous, sealedSecret) {
        stop.abort();
        return store.twoFactor.reseal(accountId, previous, sealedSecret);
      },
    };

    const outcome = await sweep({ store: stopping, signal: stop.signal }).outcome;

    expect(outcome).toEqual({
      status: 'stopped',
      counts: { resealed: 1, alreadyCurrent: 0, unreadable: 0, changed: 0 },
    });
    const sealedNow = await Promise.all([first, second].map((account) => sealedOf(account.id)));
    expect(sealedNow.filter((sealed) => sealedByCurrentKey(ROTATED, sealed ?? ''))).toHaveLength(1);
  });

  it('tries a page the store failed again after its retry wait, counting each secret once', async () => {
    await accountWithCodes(store, OLD, START);
    await accountWithCodes(store, OLD, START);
    let failures = 1;
    const flaky: TwoFactorStore = {
      ...store.twoFactor,
      async reseal(accountId, previous, sealedSecret) {
        const swapped = await store.twoFactor.reseal(accountId, previous, sealedSecret);
        // The first write lands, then the store fails: the page is read and tried again.
        if (failures-- > 0)
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        return swapped;
      },
    };

    const { outcome, waits } = sweep({ store: flaky, retryDelaysMs: [7_000] });

    expect(await outcome).toEqual({
      status: 'done',
      counts: { resealed: 1, alreadyCurrent: 1, unreadable: 0, changed: 0 },
    });
    // The retry wait instead of the pause; a full page of two is followed by an empty one.
    expect(waits).toEqual([200, 7_000, 200]);
    expect(logs.records().filter((record) => record.code === 'two-factor.reseal-retry')).toEqual([
      expect.objectContaining({ level: 40, retryInMs: 7_000, error: 'ECONNRESET' }),
    ]);
  });

  it('gives up once the store has failed a page past every retry, logging no counts line', async () => {
    await accountWithCodes(store, OLD, START);
    const down: TwoFactorStore = {
      ...store.twoFactor,
      async sealedSecrets() {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    };

    const { outcome, waits } = sweep({ store: down, retryDelaysMs: [1_000, 2_000] });

    expect((await outcome).status).toBe('failed');
    expect(waits).toEqual([200, 1_000, 2_000]);
    expect(logs.records().map((record) => record.code)).toEqual([
      'two-factor.reseal-retry',
      'two-factor.reseal-retry',
      'two-factor.reseal-failed',
    ]);
  });

  it('refuses options it cannot work with, naming each', () => {
    expect(() =>
      resealTotpSecrets({
        store: store.twoFactor,
        ring: ROTATED,
        logger: createLogger({ level: 'silent' }),
        pageSize: 0,
        pauseMs: -1,
      }),
    ).toThrow(
      'resealTotpSecrets: option "pageSize" must be a whole number from 1 to 10000 (received 0); option "pauseMs" must be a whole number of milliseconds, 0 or more (received -1)',
    );
  });
});
