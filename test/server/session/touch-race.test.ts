/**
 * The once-a-minute write of a session's last activity must never undo a sign-out that
 * lands at the same moment on another instance (issue 12.6): two Batons on one store, each
 * session's page view on one racing its sign-out on the other, none alive afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { sessionRef } from '../../../server/session/session-id.ts';
import { openRedisStore } from '../../../server/store/redis.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/store.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { cloneBrowser } from '../../helpers/live-forms.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../../helpers/redis.ts';
import { startServer } from '../../helpers/start-server.ts';

const SESSIONS = 40;
const skip = await redisSkipReason();
const prefix = uniquePrefix();

/**
 * `store` with a round trip's delay before each session write, as a store across the
 * network has: it widens the window between a request reading its session and writing it
 * back, in which a sign-out elsewhere can land.
 */
function withWriteLatency(store: Store): Store {
  const roundTrip = () => new Promise((resolve) => setTimeout(resolve, 2));
  const { sessions } = store;
  return {
    ...store,
    ping: () => store.ping(),
    close: () => store.close(),
    sessions: {
      get: (key) => sessions.get(key),
      destroy: (key) => sessions.destroy(key),
      destroyForAccount: (accountId, keep) => sessions.destroyForAccount(accountId, keep),
      listForAccount: (accountId) => sessions.listForAccount(accountId),
      destroyByHandle: (accountId, handle) => sessions.destroyByHandle(accountId, handle),
      async set(key, data, ttlMs) {
        await roundTrip();
        return sessions.set(key, data, ttlMs);
      },
      async touch(key, data, ttlMs) {
        await roundTrip();
        return sessions.touch(key, data, ttlMs);
      },
    },
  };
}

/** Two instances, each on its own connection to one store, sharing a clock the test moves. */
async function raceTouchesAgainstSignOuts(open: (now: () => number) => Store): Promise<void> {
  let at = Date.now();
  const now = () => at;
  const [storeA, storeB] = [withWriteLatency(open(now)), withWriteLatency(open(now))];
  // Every sign-up below comes from one IP.
  const limits = { ...DEFAULT_LIMITS, signupsPerIp: SESSIONS };
  const [a, b] = [
    await startServer({ store: storeA, now, limits }),
    await startServer({ store: storeB, now, limits }),
  ];
  try {
    const browsers = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const browser = new BrowserSession(a.url);
        const signUp = await browser.post('/signup', {
          email: `${randomUUID()}@example.test`,
          password: 'a fine password',
        });
        expect(signUp.headers.get('location')).toBe('/account');
        return browser;
      }),
    );
    const refs = browsers.map((browser) => sessionRef(browser.cookies.get('baton.sid') ?? ''));
    expect(
      (await Promise.all(refs.map((ref) => storeB.sessions.get(ref)))).every((d) => d !== null),
    ).toBe(true);

    // Past the once-a-minute mark: every page view below writes the time it was seen.
    at += 61_000;
    await Promise.all(
      browsers.flatMap((browser, i) => {
        const [views, signsOut] = i % 2 === 0 ? [a, b] : [b, a];
        return [
          cloneBrowser(browser, views.url).fetch('/account'),
          cloneBrowser(browser, signsOut.url).post('/logout', {}),
          cloneBrowser(browser, views.url).fetch('/account'),
        ];
      }),
    );

    for (const store of [storeA, storeB]) {
      const alive = await Promise.all(refs.map((ref) => store.sessions.get(ref)));
      expect(alive.filter((data) => data !== null)).toEqual([]);
    }
  } finally {
    await a.stop();
    await b.stop();
    await storeA.close();
    await storeB.close();
  }
}

describe('noting activity while the session is signed out on another instance', () => {
  it(`leaves none of ${SESSIONS} sessions alive on one SQLite file`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-touch-race-'));
    try {
      const file = path.join(dir, 'baton.db');
      await raceTouchesAgainstSignOuts((now) => openSqliteStore({ file, now }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    if (skip === null) await deleteKeys(prefix);
  });

  it.skipIf(skip !== null)(`leaves none of ${SESSIONS} sessions alive on one Redis`, async () => {
    await raceTouchesAgainstSignOuts((now) => openRedisStore({ url: REDIS_URL, prefix, now }));
  });
});
