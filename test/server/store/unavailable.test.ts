import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/store.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

/** A real store with a switch that makes every call fail, as a lost Redis would. */
function switchable(store: Store): Store & { down: boolean } {
  const wrapped = { down: false } as Store & { down: boolean };
  const fail = () => {
    if (wrapped.down) throw new Error('connection lost');
  };
  const part = <T extends object>(inner: T): T =>
    new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          fail();
          return value.apply(target, args);
        };
      },
    });
  return Object.assign(wrapped, {
    kind: store.kind,
    accounts: part(store.accounts),
    sessions: part(store.sessions),
    handoffs: part(store.handoffs),
    ping: async () => {
      fail();
      await store.ping();
    },
    close: () => store.close(),
  });
}

let server: RunningServer;
let store: Store & { down: boolean };
beforeAll(async () => {
  store = switchable(openSqliteStore({ file: ':memory:' }));
  server = await startServer({ store });
});
afterAll(async () => {
  await server.stop();
  await store.close();
});

describe('while the store is unreachable', () => {
  it('answers /handoff with 503 and a retry page, redeems nothing, and the handoff works once it is back', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    const live = await browser.openSocket();
    const reply = await live.request({
      type: 'submit',
      form: 'signup',
      fields: { email: 'outage@example.com', password: 'a fine password' },
    });
    live.close();
    if (reply.type !== 'accepted') throw new Error('sign-up refused');

    store.down = true;
    const refused = await browser.post('/handoff', { handoff: reply.handoff });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.headers.getSetCookie()).toEqual([]);
    const page = await refused.text();
    expect(page).toContain('Baton is briefly unavailable. Please try again in a moment.');
    expect(page).toContain('<form method="post" action="/handoff">');
    expect(page).toContain(`value="${reply.handoff}"`);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({
      ok: false,
      store: 'sqlite',
      reason: 'store unreachable',
    });

    store.down = false;
    const retried = await browser.post('/handoff', { handoff: reply.handoff });
    expect(retried.headers.get('location')).toBe('/account');
  });

  it('tells the live form the service is briefly unavailable', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const live = await browser.openSocket();
    store.down = true;
    try {
      expect(
        await live.request({
          type: 'submit',
          form: 'login',
          fields: { email: 'someone@example.com', password: 'a fine password' },
        }),
      ).toEqual({
        type: 'error',
        ref: 1,
        code: 'service.unavailable',
        message: 'Baton is briefly unavailable. Please try again in a moment.',
      });
    } finally {
      store.down = false;
      live.close();
    }
  });

  it('answers pages with 503 rather than an error', async () => {
    const browser = new BrowserSession(server.url);
    await browser.post('/signup', { email: 'pages@example.com', password: 'a fine password' });
    store.down = true;
    try {
      const response = await browser.fetch('/account');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
    } finally {
      store.down = false;
    }
  });
});

describe('a store that fails in the middle of a redeem', () => {
  it("leaves a signed-in browser's session and cookie as they were, and the handoff good for a retry", async () => {
    const inner = openSqliteStore({ file: ':memory:' });
    let failNext = false;
    const flaky: Store = {
      ...inner,
      ping: () => inner.ping(),
      close: () => inner.close(),
      handoffs: {
        consume: (id, expiresAt) => inner.handoffs.consume(id, expiresAt),
        async redeem(id, expiresAt, session, replaces) {
          if (failNext) {
            failNext = false;
            throw new Error('connection lost');
          }
          return inner.handoffs.redeem(id, expiresAt, session, replaces);
        },
      },
    };
    const own = await startServer({ store: flaky });
    try {
      const browser = new BrowserSession(own.url);
      const password = 'a fine password';
      await browser.post('/signup', { email: 'midway@example.com', password });
      const before = browser.cookies.get('baton.sid');
      const handoff = await handoffFor(browser, 'change-password', {
        password,
        newPassword: 'a finer password 2',
      });

      failNext = true;
      const refused = await browser.post('/handoff', { handoff });
      expect(refused.status).toBe(503);
      expect(refused.headers.getSetCookie().filter((line) => line.startsWith('baton.sid'))).toEqual(
        [],
      );
      expect(browser.cookies.get('baton.sid')).toBe(before);
      expect((await browser.fetch('/account')).status).toBe(200);

      const retried = await browser.post('/handoff', { handoff });
      expect(retried.headers.get('location')).toBe('/account');
      expect(browser.cookies.get('baton.sid')).not.toBe(before);
      expect(await (await browser.fetch('/account')).text()).toContain('midway@example.com');
    } finally {
      await own.stop();
      await inner.close();
    }
  });
});
