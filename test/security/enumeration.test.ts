/**
 * User enumeration: whether an email has an account must not show in what the server says
 * or in how long it takes to say it, over the live socket or the plain form post.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Argon2Params,
  createPasswordHasher,
  hashPassword,
  type PasswordHasher,
} from '../../server/accounts/password.ts';
import { DEFAULT_LIMITS } from '../../server/config.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/store.ts';
import type { Fields, ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { signUpAndRedeem, submitOverSocket } from '../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const PASSWORD = 'the right password';
const WRONG = 'not the right password';
const BAD_CREDENTIALS = {
  type: 'refused',
  code: 'account.bad-credentials',
  message: 'That email and password do not match an account.',
  errors: {},
};

function withoutRef(message: ServerMessage) {
  const { ref: _ref, ...rest } = message as ServerMessage & { ref?: number };
  return rest;
}

/** A page as a comparison sees it: a CSP nonce, if the page carries one, is random per response. */
function comparable(html: string): string {
  return html.replace(/nonce="[^"]*"/g, 'nonce=""');
}

async function signUpElsewhere(server: RunningServer, fields: Fields): Promise<void> {
  await signUpAndRedeem(new BrowserSession(server.url), fields);
}

describe('user enumeration by message', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('gives a wrong password and an unknown email the same reply over the live socket', async () => {
    await signUpElsewhere(server, { email: 'known@example.com', password: PASSWORD });
    const browser = new BrowserSession(server.url);
    const wrong = await submitOverSocket(browser, 'login', {
      email: 'known@example.com',
      password: WRONG,
    });
    const unknown = await submitOverSocket(browser, 'login', {
      email: 'unknown@example.com',
      password: WRONG,
    });
    expect(withoutRef(wrong)).toEqual(BAD_CREDENTIALS);
    expect(withoutRef(unknown)).toEqual(BAD_CREDENTIALS);

    // The same address before and after it has an account: not one byte differs but the ref.
    const before = await submitOverSocket(browser, 'login', {
      email: 'later@example.com',
      password: WRONG,
    });
    await signUpElsewhere(server, { email: 'later@example.com', password: PASSWORD });
    const after = await submitOverSocket(browser, 'login', {
      email: 'later@example.com',
      password: WRONG,
    });
    expect(JSON.stringify(withoutRef(after))).toBe(JSON.stringify(withoutRef(before)));
  });

  it('gives a wrong password and an unknown email the same page over the plain form post', async () => {
    const post = async (fields: Fields) => {
      const browser = new BrowserSession(server.url);
      await browser.fetch('/login');
      const response = await browser.post('/login', fields);
      return {
        status: response.status,
        cookies: response.headers.getSetCookie().map((line) => line.split('=')[0]),
        html: comparable(await response.text()),
      };
    };
    // The same address before and after it has an account: the same status, cookies and page.
    const before = await post({ email: 'form-later@example.com', password: WRONG });
    await signUpElsewhere(server, { email: 'form-later@example.com', password: PASSWORD });
    const after = await post({ email: 'form-later@example.com', password: WRONG });
    expect(before.status).toBe(422);
    expect(before.html).toContain(BAD_CREDENTIALS.message);
    expect(after).toEqual(before);

    // Two different addresses: the same page once each address (which the form echoes) is set aside.
    await signUpElsewhere(server, { email: 'form-known@example.com', password: PASSWORD });
    const wrong = await post({ email: 'form-known@example.com', password: WRONG });
    const unknown = await post({ email: 'form-unknown@example.com', password: WRONG });
    expect({ ...wrong, html: wrong.html.replaceAll('form-known@example.com', '<email>') }).toEqual({
      ...unknown,
      html: unknown.html.replaceAll('form-unknown@example.com', '<email>'),
    });
  });
});

describe('user enumeration by the work a sign-in does', () => {
  // Counted, not timed (a wall-clock comparison fails on a busy machine): a refused sign-in
  // for an unknown email must cost exactly what a wrong password costs, one argon2id
  // verification against a hash of the same parameters, so neither answers sooner.
  const ARGON2: Argon2Params = { memoryCost: 1024, timeCost: 2, parallelism: 1 };
  /** The PHC parameters of every hash `verify` was asked to check, in order. */
  const verified: string[] = [];
  let server: RunningServer;
  beforeAll(async () => {
    const real = createPasswordHasher(ARGON2);
    const hasher: PasswordHasher = {
      hash: (password) => real.hash(password),
      needsRehash: (stored) => real.needsRehash(stored),
      verify: (password, stored) => {
        verified.push(stored.split('$').slice(1, 4).join('$'));
        return real.verify(password, stored);
      },
    };
    server = await startServer({ hasher });
  });
  afterAll(() => server.stop());

  it('verifies one hash of the same parameters for an unknown email as for a wrong password', async () => {
    await server.store.accounts.create('counted@example.com', await hashPassword(PASSWORD, ARGON2));
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const live = await browser.openSocket();
    const refusedWith = async (email: string) => {
      verified.length = 0;
      const reply = await live.request({
        type: 'submit',
        form: 'login',
        fields: { email, password: WRONG },
      });
      expect(withoutRef(reply)).toEqual(BAD_CREDENTIALS);
      return [...verified];
    };
    const wrongPassword = await refusedWith('counted@example.com');
    const unknownEmail = await refusedWith('nobody-counted@example.com');
    live.close();
    expect(wrongPassword).toEqual(['argon2id$v=19$m=1024,t=2,p=1']);
    expect(unknownEmail).toEqual(wrongPassword);
  });
});

describe('user enumeration through /forgot-password and /change-email', () => {
  const SENT = 'If that email has an account, a link to reset its password is on its way.';
  /** Every store call the server makes, as `part.method`, while `recording` is on. */
  const calls: string[] = [];
  let recording = false;
  let server: RunningServer;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-enumeration-'));
    const store = openSqliteStore({ file: path.join(dir, 'baton.db') });
    server = await startServer({
      store: recordingStore(store),
      // Every request here comes from one client IP and asks for many emails to one known
      // address (every sign-up mails a confirmation too): the email limits would answer 429
      // before the work compared here. Their own tests are in test/security/rate-limits.test.ts.
      limits: { ...DEFAULT_LIMITS, emailsPerAddress: 1000, emailsPerIp: 1000 },
    });
    const stop = server.stop;
    server.stop = async () => {
      await stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await signUpElsewhere(server, { email: 'remembered@example.com', password: PASSWORD });
  });
  afterAll(() => server.stop());

  function recordingStore(store: Store): Store {
    const parts = ['accounts', 'sessions', 'handoffs', 'tokens', 'mailbox'] as const;
    const wrapped = { ...store } as Record<string, unknown>;
    for (const part of parts) {
      wrapped[part] = new Proxy(store[part], {
        get(target, method) {
          const value = Reflect.get(target, method);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (recording) calls.push(`${part}.${String(method)}`);
            return value.apply(target, args);
          };
        },
      });
    }
    return wrapped as unknown as Store;
  }

  /** A response with what varies per response set aside: dates, the request id, sealed values. */
  async function comparableResponse(response: Response) {
    const headers = [...response.headers]
      .filter(([name]) => !['date', 'x-request-id', 'set-cookie'].includes(name))
      .sort();
    // A sealed cookie differs every time (a fresh nonce); its name and attributes must not,
    // but for its expiry date, which moves with the second the response was made in.
    const cookies = response.headers
      .getSetCookie()
      .map((line) =>
        line
          .replace(/^([^=]+)=[^;]*/, '$1=<sealed>')
          .replace(/; expires=[^;]*/i, '; expires=<date>'),
      );
    return { status: response.status, headers, cookies, body: comparable(await response.text()) };
  }

  /** Posts the form without JavaScript and follows the redirect, as a browser would. */
  async function ask(email: string) {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/forgot-password');
    const posted = await comparableResponse(await browser.post('/forgot-password', { email }));
    const page = await comparableResponse(await browser.fetch('/forgot-password'));
    return { posted, page };
  }

  it('gives a known and an unknown email the same responses over the plain post', async () => {
    const known = await ask('remembered@example.com');
    const unknown = await ask('forgotten@example.com');
    expect(known.posted.status).toBe(303);
    expect(known.page.body).toContain(SENT);
    expect(unknown).toEqual(known);
  });

  it('gives them the same reply over the live socket, and the same page after it', async () => {
    const replies = [];
    for (const email of ['remembered@example.com', 'forgotten@example.com']) {
      const browser = new BrowserSession(server.url);
      const reply = await submitOverSocket(browser, 'forgot-password', { email });
      if (reply.type !== 'accepted') throw new Error(`expected accepted, got ${reply.type}`);
      const redeemed = await comparableResponse(
        await browser.post('/handoff', { handoff: reply.handoff }),
      );
      const page = await browser.fetch('/forgot-password');
      replies.push({ type: reply.type, redeemed, page: comparable(await page.text()) });
    }
    expect(replies[0]?.page).toContain(SENT);
    expect(replies[1]).toEqual(replies[0]);
  });

  it('does the same store work for a known and an unknown email, so neither takes longer', async () => {
    const work = async (email: string) => {
      const browser = new BrowserSession(server.url);
      await browser.fetch('/forgot-password');
      await server.baton.mailer.idle();
      calls.length = 0;
      recording = true;
      await browser.post('/forgot-password', { email });
      recording = false;
      return [...calls];
    };
    const known = await work('remembered@example.com');
    const unknown = await work('forgotten@example.com');
    expect(known).toContain('accounts.findByEmail');
    expect(known).toContain('tokens.put');
    // The known address's email is written to the mailbox after the answer, by the queue.
    expect(known.filter((call) => call !== 'mailbox.add')).toEqual(unknown);
  });

  /** A person signed in (over the plain post), asking to move to other addresses. */
  async function mover(email: string): Promise<BrowserSession> {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await browser.post('/signup', { email, password: PASSWORD });
    await browser.fetch('/account');
    return browser;
  }

  it('gives /change-email to an address with an account and a free one the same responses', async () => {
    const browser = await mover('mover@example.com');
    const move = async (email: string) => {
      await browser.fetch('/change-email');
      const posted = await comparableResponse(
        await browser.post('/change-email', { email, password: PASSWORD }),
      );
      const page = await comparableResponse(await browser.fetch('/change-email'));
      return { posted, page };
    };
    const taken = await move('remembered@example.com');
    const free = await move('nobody-has-this@example.com');
    expect(taken.posted.status).toBe(303);
    expect(taken.page.body).toContain('A link to confirm your new email is on its way.');
    expect(free).toEqual(taken);
  });

  it('does the same store work for /change-email to a taken address as to a free one', async () => {
    const browser = await mover('mover-work@example.com');
    const work = async (email: string) => {
      await browser.fetch('/change-email');
      await server.baton.mailer.idle();
      calls.length = 0;
      recording = true;
      await browser.post('/change-email', { email, password: PASSWORD });
      recording = false;
      return [...calls];
    };
    const taken = await work('remembered@example.com');
    const free = await work('nobody-has-this-either@example.com');
    expect(taken).toContain('tokens.put');
    // Only the free address's email is written to the mailbox, after the answer, by the queue.
    expect(free.filter((call) => call !== 'mailbox.add')).toEqual(taken);
  });
});
