/**
 * A redeem writes to the store in exactly one step, HandoffLedger.redeem, made in
 * server/handoff/redeem.ts: koa-session then only sets the cookie, and writes or destroys
 * no session of its own, whether the browser had a session or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/store.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, sessionCookiesSet } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const writes: string[] = [];
const inner = openSqliteStore({ file: ':memory:' });
/** The store, noting every session and ledger write it is asked for. */
const counting: Store = {
  ...inner,
  ping: () => inner.ping(),
  close: () => inner.close(),
  sessions: {
    ...inner.sessions,
    get: (key) => inner.sessions.get(key),
    async set(key, data, ttlMs) {
      writes.push('sessions.set');
      await inner.sessions.set(key, data, ttlMs);
    },
    async destroy(key) {
      writes.push('sessions.destroy');
      await inner.sessions.destroy(key);
    },
    destroyForAccount: (accountId, keep) => inner.sessions.destroyForAccount(accountId, keep),
    listForAccount: (accountId) => inner.sessions.listForAccount(accountId),
    destroyByHandle: (accountId, handle) => inner.sessions.destroyByHandle(accountId, handle),
  },
  handoffs: {
    consume: (id, expiresAt) => inner.handoffs.consume(id, expiresAt),
    async redeem(id, expiresAt, session, replaces, sealed) {
      const result = await inner.handoffs.redeem(id, expiresAt, session, replaces, sealed);
      writes.push(`handoffs.redeem ${replaces ? 'replacing' : 'fresh'} ${result}`);
      return result;
    },
  },
};

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ store: counting });
});
afterAll(async () => {
  await server.stop();
  await inner.close();
});

describe('a redeem', () => {
  it('writes its session in the ledger step alone, with or without a session to replace', async () => {
    const browser = new BrowserSession(server.url);
    const fields = { email: 'one-step@example.com', password: 'a fine password 1' };
    const signUp = await handoffFor(browser, 'signup', fields);
    writes.length = 0;
    const first = await browser.post('/handoff', { handoff: signUp });
    expect(first.headers.get('location')).toBe('/account');
    expect(sessionCookiesSet(first)).toHaveLength(2);

    const logIn = await handoffFor(browser, 'login', fields);
    const second = await browser.post('/handoff', { handoff: logIn });
    expect(second.headers.get('location')).toBe('/account');
    // One cookie and its signature: the cleared old one is overwritten, not sent as well.
    expect(sessionCookiesSet(second).map((line) => line.split('=')[0])).toEqual([
      'baton.sid',
      'baton.sid.sig',
    ]);

    const refused = await browser.post('/handoff', { handoff: logIn });
    expect(refused.headers.get('location')).toBe('/login');
    expect(sessionCookiesSet(refused)).toEqual([]);

    // The log-in was sealed on a signed-in socket, in the session its own redeem replaced:
    // posted again, it is refused before the ledger step (that session has ended).
    expect(writes).toEqual([
      'handoffs.redeem fresh redeemed',
      'handoffs.redeem replacing redeemed',
    ]);
    expect((await browser.fetch('/account')).status).toBe(200);
  });
});
