import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/logger.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/store.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor } from '../../helpers/live-forms.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

/** What a lost connection throws: Node's error for a reset socket, as ioredis passes it on. */
function connectionLost(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104 });
}

type Switchable = Store & {
  /** Makes every call (or only `only`'s) fail: as a lost store would, or as a bug would. */
  fault: 'outage' | 'bug' | null;
  only: string | null;
  down: boolean;
};

/** A real store with a switch that makes its calls fail. `down` is `fault = 'outage'`. */
function switchable(store: Store): Switchable {
  const wrapped = { fault: null, only: null } as unknown as Switchable;
  Object.defineProperty(wrapped, 'down', {
    get: () => wrapped.fault === 'outage',
    set: (down: boolean) => {
      wrapped.fault = down ? 'outage' : null;
    },
  });
  const fail = (name: string) => {
    if (wrapped.fault === null || (wrapped.only !== null && wrapped.only !== name)) return;
    if (wrapped.fault === 'outage') throw connectionLost();
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  };
  const part = <T extends object>(inner: T, partName: string): T =>
    new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          fail(`${partName}.${String(key)}`);
          return value.apply(target, args);
        };
      },
    });
  return Object.assign(wrapped, {
    kind: store.kind,
    accounts: part(store.accounts, 'accounts'),
    sessions: part(store.sessions, 'sessions'),
    handoffs: part(store.handoffs, 'handoffs'),
    twoFactor: part(store.twoFactor, 'twoFactor'),
    passkeys: part(store.passkeys, 'passkeys'),
    challenges: part(store.challenges, 'challenges'),
    tokens: part(store.tokens, 'tokens'),
    mailbox: part(store.mailbox, 'mailbox'),
    devices: part(store.devices, 'devices'),
    ping: async () => {
      fail('ping');
      await store.ping();
    },
    close: () => store.close(),
  });
}

let server: RunningServer;
let store: Switchable;
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
        async redeem(id, expiresAt, session, replaces, sealed) {
          if (failNext) {
            failNext = false;
            throw connectionLost();
          }
          return inner.handoffs.redeem(id, expiresAt, session, replaces, sealed);
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

describe('a store error', () => {
  const logs = captureLogs();
  let own: RunningServer;
  let faulty: Switchable;
  beforeAll(async () => {
    faulty = switchable(openSqliteStore({ file: ':memory:' }));
    own = await startServer({
      store: faulty,
      logger: createLogger({ level: 'warn', destination: logs.destination }),
    });
  });
  afterAll(async () => {
    await own.stop();
    await faulty.close();
  });
  /** [level, message] of the lines logged while `run` ran. */
  async function logged(run: () => Promise<void>): Promise<Array<[unknown, unknown]>> {
    const before = logs.records().length;
    await run();
    return logs
      .records()
      .slice(before)
      .map((record) => [record.level, record.msg]);
  }
  const login = { email: 'classified@example.com', password: 'a fine password' };

  it('that is a bug answers a form post with 500 and logs at error', async () => {
    const browser = new BrowserSession(own.url);
    faulty.fault = 'bug';
    let status = 0;
    try {
      const lines = await logged(async () => {
        status = (await browser.post('/login', login)).status;
      });
      expect(lines).toEqual([[50, 'request failed']]);
    } finally {
      faulty.fault = null;
    }
    expect(status).toBe(500);
  });

  it('that is a lost connection answers a form post with 503 and logs at warn', async () => {
    const browser = new BrowserSession(own.url);
    faulty.fault = 'outage';
    let status = 0;
    try {
      const lines = await logged(async () => {
        status = (await browser.post('/login', login)).status;
      });
      expect(lines).toEqual([[40, 'store unavailable']]);
    } finally {
      faulty.fault = null;
    }
    expect(status).toBe(503);
  });

  it('that is a bug answers a live submit with server.error and logs at error', async () => {
    const browser = new BrowserSession(own.url);
    await browser.fetch('/login');
    const live = await browser.openSocket();
    faulty.fault = 'bug';
    try {
      const lines = await logged(async () => {
        expect(await live.request({ type: 'submit', form: 'login', fields: login })).toEqual({
          type: 'error',
          ref: 1,
          code: 'server.error',
          message: 'Something went wrong on our side. Please try again.',
        });
      });
      expect(lines).toEqual([[50, 'live submit failed']]);
    } finally {
      faulty.fault = null;
      live.close();
    }
  });

  it('that is a lost connection answers a live submit with service.unavailable and logs at warn', async () => {
    const browser = new BrowserSession(own.url);
    await browser.fetch('/login');
    const live = await browser.openSocket();
    faulty.fault = 'outage';
    try {
      const lines = await logged(async () => {
        expect(await live.request({ type: 'submit', form: 'login', fields: login })).toEqual({
          type: 'error',
          ref: 1,
          code: 'service.unavailable',
          message: 'Baton is briefly unavailable. Please try again in a moment.',
        });
      });
      expect(lines).toEqual([[40, 'live submit: store unavailable']]);
    } finally {
      faulty.fault = null;
      live.close();
    }
  });

  it("during a signed-in browser's form sign-in leaves its session and cookie as they were", async () => {
    const browser = new BrowserSession(own.url);
    const password = 'a fine password';
    await browser.post('/signup', { email: 'kept@example.com', password });
    const before = browser.cookies.get('baton.sid');
    expect((await browser.fetch('/account')).status).toBe(200);

    faulty.fault = 'outage';
    faulty.only = 'sessions.set';
    let refused: Response;
    try {
      refused = await browser.post('/login', { email: 'kept@example.com', password });
    } finally {
      faulty.fault = null;
      faulty.only = null;
    }

    expect(refused.status).toBe(503);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(browser.cookies.get('baton.sid')).toBe(before);
    const account = await browser.fetch('/account');
    expect(account.status).toBe(200);
    expect(await account.text()).toContain('kept@example.com');
  });
});
