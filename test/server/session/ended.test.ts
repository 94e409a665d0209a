/**
 * A session ended elsewhere says why on the next page its browser loads, once, in a neutral
 * notice: the marker it leaves (server/session/ended.ts) works on both stores and is gone
 * once read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceEnded, endedMarkerKey } from '../../../server/session/ended.ts';
import { createLocalSessionEvents } from '../../../server/session/events.ts';
import { openRedisStore } from '../../../server/store/redis.ts';
import type { Store } from '../../../server/store/store.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { pageData } from '../../helpers/live-forms.ts';
import { PASSWORD, refOf, signedUp } from '../../helpers/outcomes.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../../helpers/redis.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const skipRedis = await redisSkipReason();
const prefix = uniquePrefix();

const STORES: ReadonlyArray<[string, () => Store | undefined, boolean]> = [
  ['SQLite', () => undefined, false],
  ['Redis', () => openRedisStore({ url: REDIS_URL, prefix }), skipRedis !== null],
];

describe.each(STORES)('an ended session on %s', (_kind, openStore, skip) => {
  let server: RunningServer;
  let store: Store | undefined;
  beforeAll(async () => {
    if (skip) return;
    store = openStore();
    server = await startServer(store ? { store } : {});
  });
  afterAll(async () => {
    if (skip) return;
    await server.stop();
    await store?.close();
    await deleteKeys(prefix);
  });

  let people = 0;
  const email = (what: string) => `${what}-${++people}@example.com`;

  it.skipIf(skip)('says the password was changed, once, and leaves no marker behind', async () => {
    const address = email('changed');
    const here = await signedUp(server.url, address);
    const there = new BrowserSession(server.url);
    await there.post('/login', { email: address, password: PASSWORD });
    await there.fetch('/account');
    const ref = refOf(there) ?? '';

    await here.post('/change-password', { password: PASSWORD, newPassword: 'a new password 2' });

    const login = pageData(await (await there.fetch('/login')).text());
    expect(login.flash).toEqual([
      {
        kind: 'notice',
        text: 'You were signed out because your password was changed. Log in again to continue.',
      },
    ]);
    expect(await server.store.sessions.get(endedMarkerKey(ref))).toBeNull();
    expect(pageData(await (await there.fetch('/login')).text()).flash).toEqual([]);
  });

  it.skipIf(skip)('says it was signed out on another device', async () => {
    const browser = await signedUp(server.url, email('elsewhere'));
    const ref = refOf(browser) ?? '';

    // What the sessions page's "Sign out" will do (issue 16): end it, then say why.
    await server.store.sessions.destroy(ref);
    await announceEnded(server.store.sessions, createLocalSessionEvents(), [ref], 'signed-out');

    const account = await browser.fetch('/account');
    expect(account.headers.get('location')).toBe('/login');
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([
      { kind: 'notice', text: 'You were signed out on another device. Log in again to continue.' },
    ]);
  });

  it.skipIf(skip)('says only that it ended when nothing says why', async () => {
    const browser = await signedUp(server.url, email('swept'));
    await server.store.sessions.destroy(refOf(browser) ?? '');

    await browser.fetch('/account');

    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([
      { kind: 'notice', text: 'Your session has ended. Log in again to continue.' },
    ]);
  });

  it.skipIf(skip)('never lets a marker pass for the session it names', async () => {
    const browser = await signedUp(server.url, email('marker'));
    const ref = refOf(browser) ?? '';
    await server.store.sessions.destroy(ref);
    await announceEnded(server.store.sessions, createLocalSessionEvents(), [ref], 'revoked');

    expect(await server.store.sessions.get(ref)).toBeNull();
    expect(await server.store.sessions.touch(ref, { accountId: 'x' }, 60_000)).toBe(false);
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
  });
});
