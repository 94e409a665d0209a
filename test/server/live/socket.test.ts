import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLocalSessionEvents } from '../../../server/session/events.ts';
import { sessionRef } from '../../../server/session/session-id.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import { CloseCode, MAX_FRAME_BYTES } from '../../../shared/protocol.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

async function browserOnLogin() {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/login');
  return browser;
}

/** The status a raw upgrade request gets. */
function upgradeStatus(headers: Record<string, string>, path = '/live'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(server.url.replace('http', 'ws') + path, { headers });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', reject);
  });
}

describe('the live socket door', () => {
  it('refuses an upgrade from a foreign Origin with 403 before the handshake', async () => {
    const browser = await browserOnLogin();
    const cookie = browser.cookieHeader();
    expect(await upgradeStatus({ cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus({ cookie })).toBe(403);
    expect(await upgradeStatus({ cookie, origin: server.origin })).toBe(101);
  });

  it('refuses a browser without a binding cookie with 401', async () => {
    expect(await upgradeStatus({ origin: server.origin })).toBe(401);
  });

  it('answers 404 for an upgrade elsewhere than /live', async () => {
    const browser = await browserOnLogin();
    expect(
      await upgradeStatus({ cookie: browser.cookieHeader(), origin: server.origin }, '/other'),
    ).toBe(404);
  });
});

describe('the live socket protocol', () => {
  it('validates fields as the person types, echoing the ref', async () => {
    const live = await (await browserOnLogin()).openSocket();
    const reply = await live.request({
      type: 'validate',
      form: 'signup',
      fields: { email: 'not-an-email', password: 'short' },
    });
    expect(reply).toEqual({
      type: 'validated',
      ref: 1,
      errors: {
        email: 'Enter an email address like name@example.com.',
        password: 'Use at least 8 characters.',
      },
    });
    const ok = await live.request({
      type: 'validate',
      form: 'signup',
      fields: { email: 'a@b.co', password: 'long enough' },
    });
    expect(ok).toEqual({ type: 'validated', ref: 2, errors: {} });
    live.close();
  });

  it('refuses a wrong password and an unknown email with the same reply', async () => {
    const browser = await browserOnLogin();
    const live = await browser.openSocket();
    await live.request({
      type: 'submit',
      form: 'signup',
      fields: { email: 'same@example.com', password: 'right password' },
    });
    const wrong = await live.request({
      type: 'submit',
      form: 'login',
      fields: { email: 'same@example.com', password: 'wrong password' },
    });
    const unknown = await live.request({
      type: 'submit',
      form: 'login',
      fields: { email: 'nobody@example.com', password: 'wrong password' },
    });
    const { ref: _a, ...wrongRest } = wrong as { ref: number };
    const { ref: _b, ...unknownRest } = unknown as { ref: number };
    expect(wrongRest).toEqual({
      type: 'refused',
      code: 'account.bad-credentials',
      message: 'That email and password do not match an account.',
      errors: {},
    });
    expect(unknownRest).toEqual(wrongRest);
    live.close();
  });

  it('refuses a sign-up with an email already taken, beside the field', async () => {
    const live = await (await browserOnLogin()).openSocket();
    const fields = { email: 'taken@example.com', password: 'a fine password' };
    expect((await live.request({ type: 'submit', form: 'signup', fields })).type).toBe('accepted');
    expect(
      await live.request({
        type: 'submit',
        form: 'signup',
        fields: { email: ' TAKEN@example.com', password: 'another password' },
      }),
    ).toEqual({
      type: 'refused',
      ref: 2,
      code: 'account.email-taken',
      message: 'An account with this email already exists. Log in instead.',
      errors: { email: 'This email already has an account.' },
    });
    live.close();
  });

  it('accepts a sign-up sent again after its reply was lost, as the same account, redeemable once', async () => {
    const browser = await browserOnLogin();
    const fields = { email: 'resent@example.com', password: 'a fine password' };
    const first = await browser.openSocket();
    const lost = await first.request({ type: 'submit', form: 'signup', fields });
    first.close(); // the reply never reached the page
    const second = await browser.openSocket();
    const again = await second.request({ type: 'submit', form: 'signup', fields });
    second.close();
    if (lost.type !== 'accepted' || again.type !== 'accepted')
      throw new Error('expected two acceptances');
    expect(again.handoff).not.toBe(lost.handoff);
    expect(
      (await browser.post('/handoff', { handoff: again.handoff })).headers.get('location'),
    ).toBe('/account');
    const page = await (await browser.fetch('/account')).text();
    expect(page).toContain('resent@example.com');
    expect(page).toContain('Welcome to Baton!');
    const accounts = await server.store.accounts.findByEmail('resent@example.com');
    expect(accounts?.email).toBe('resent@example.com');
  });

  it('answers a malformed frame with an error and stays open', async () => {
    const live = await (await browserOnLogin()).openSocket();
    live.sendRaw('{not json');
    expect(await live.waitFor((m) => m.type === 'error')).toEqual({
      type: 'error',
      ref: null,
      code: 'frame.invalid',
      message: 'Unreadable frame: the frame is not JSON',
    });
    live.sendRaw(JSON.stringify({ type: 'launch-missiles', ref: 7 }));
    const unknown = await live.waitFor((m) => m.type === 'error' && m.ref === 7);
    expect(unknown).toMatchObject({ type: 'error', ref: 7, code: 'frame.invalid' });
    live.sendRaw(Buffer.from([1, 2, 3]));
    expect(await live.waitFor((m) => m.type === 'error' && m.code === 'frame.binary')).toBeTruthy();
    const still = await live.request({
      type: 'validate',
      form: 'login',
      fields: { email: 'a@b.co', password: 'x' },
    });
    expect(still.type).toBe('validated');
    live.close();
  });

  it('does not disturb other sockets when one sends garbage', async () => {
    const calm = await (await browserOnLogin()).openSocket();
    const noisy = await (await browserOnLogin()).openSocket();
    for (let i = 0; i < 50; i++) noisy.sendRaw(i % 2 ? '\u0000\u0001' : '[]');
    const reply = await calm.request({
      type: 'validate',
      form: 'login',
      fields: { email: 'a@b.co', password: 'x' },
    });
    expect(reply).toEqual({ type: 'validated', ref: 1, errors: {} });
    calm.close();
    noisy.close();
  });

  it('closes a socket that sends a frame over the size limit with 1009', async () => {
    const live = await (await browserOnLogin()).openSocket();
    live.sendRaw('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await live.closed).code).toBe(1009);
  });
});

describe('sign-out', () => {
  it('tells and closes the live sockets of that session', async () => {
    const browser = await browserOnLogin();
    const signup = await browser.openSocket();
    const reply = await signup.request({
      type: 'submit',
      form: 'signup',
      fields: { email: 'leaving@example.com', password: 'a fine password' },
    });
    if (reply.type !== 'accepted') throw new Error('sign-up refused');
    await browser.post('/handoff', { handoff: reply.handoff });
    const accountSocket = await browser.openSocket();
    const bystander = await (await browserOnLogin()).openSocket();

    const response = await browser.post('/logout', {});
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(await accountSocket.waitFor((m) => m.type === 'session-ended')).toEqual({
      type: 'session-ended',
      reason: 'signed-out',
    });
    expect(await accountSocket.closed).toEqual({
      code: CloseCode.sessionEnded,
      reason: 'signed-out',
    });
    expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    bystander.close();
    signup.close();
  });
});

describe('one request at a time on a socket', () => {
  it('refuses a submit or a passkey answer while a submit is handled, in words that fit both, and still gives passkey options', async () => {
    // A store whose account look-up waits until the test lets it go: the first submit is
    // held in flight for as long as the test needs.
    const store = openSqliteStore({ file: ':memory:' });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const findByEmail = store.accounts.findByEmail;
    const own = await startServer({
      store: {
        ...store,
        accounts: {
          ...store.accounts,
          findByEmail: async (email) => {
            await held;
            return findByEmail(email);
          },
        },
      },
    });
    try {
      const browser = new BrowserSession(own.url);
      await browser.fetch('/login');
      const live = await browser.openSocket();
      const fields = { email: 'nobody@example.com', password: 'wrong password' };
      const first = live.request({ type: 'submit', form: 'login', fields });

      const second = await live.request({ type: 'submit', form: 'login', fields });
      const passkey = await live.request({
        type: 'passkey-sign-in',
        response: { id: 'any' },
        remember: false,
      });
      // Options only file the socket's latest challenge: the log-in page's autofill asks
      // for them whenever its socket opens, and must not hold up a password typed then.
      const options = await live.request({ type: 'passkey-options', purpose: 'sign-in' });

      const inFlight = {
        type: 'error',
        code: 'submit.in-flight',
        message: 'Your last request is still being handled. Please wait a moment.',
      };
      expect(second).toEqual({ ...inFlight, ref: 2 });
      expect(passkey).toEqual({ ...inFlight, ref: 3 });
      // Answered, not refused as in flight (this server is reached by IP address, where
      // passkeys are unavailable: that is its answer).
      expect(options).toMatchObject({ type: 'refused', ref: 4, code: 'passkey.unavailable' });
      release();
      expect(await first).toMatchObject({
        type: 'refused',
        ref: 1,
        code: 'account.bad-credentials',
      });
      // Once it is answered, the next request is handled.
      expect(await live.request({ type: 'submit', form: 'login', fields })).toMatchObject({
        type: 'refused',
        ref: 5,
        code: 'account.bad-credentials',
      });
      live.close();
    } finally {
      await own.stop();
      await store.close();
    }
  });
});

describe('after the session events may have been missed (resync)', () => {
  it('closes the sockets of sessions gone from the store, and only those', async () => {
    const events = createLocalSessionEvents();
    const own = await startServer({ events });
    try {
      const signedIn = async (email: string) => {
        const browser = new BrowserSession(own.url);
        await browser.fetch('/signup');
        await browser.post('/signup', { email, password: 'a fine password' });
        return { browser, socket: await browser.openSocket() };
      };
      const gone = await signedIn('gone@example.com');
      const kept = await signedIn('kept@example.com');
      // Signed out on an instance whose event this one never heard: only the store knows.
      await own.store.sessions.destroy(sessionRef(gone.browser.cookies.get('baton.sid') ?? ''));

      await events.publish({ type: 'resync' });

      expect(await gone.socket.closed).toEqual({ code: CloseCode.sessionEnded, reason: 'revoked' });
      expect(gone.socket.messages).toEqual([{ type: 'session-ended', reason: 'revoked' }]);
      expect(kept.socket.socket.readyState).toBe(WebSocket.OPEN);
      kept.socket.close();
    } finally {
      await own.stop();
    }
  });
});

describe('sign-in in another tab', () => {
  it("tells the browser's other tabs when a handoff is redeemed, and no other browser", async () => {
    const browser = await browserOnLogin();
    const signup = await browser.openSocket();
    const otherTab = await browser.openSocket();
    const stranger = await (await browserOnLogin()).openSocket();
    const reply = await signup.request({
      type: 'submit',
      form: 'signup',
      fields: { email: 'two-tabs@example.com', password: 'a fine password' },
    });
    if (reply.type !== 'accepted') throw new Error('sign-up refused');
    expect(otherTab.messages).toEqual([]);

    expect((await browser.post('/handoff', { handoff: reply.handoff })).status).toBe(303);

    expect(await otherTab.waitFor((m) => m.type === 'signed-in')).toEqual({ type: 'signed-in' });
    // A probe round trip on the stranger's socket: anything sent before it has arrived.
    await stranger.request({
      type: 'validate',
      form: 'login',
      fields: { email: '', password: '' },
    });
    expect(stranger.messages.filter((m) => m.type === 'signed-in')).toEqual([]);
    for (const live of [signup, otherTab, stranger]) live.close();
  });

  it("tells the browser's other tabs when it signs in without JavaScript", async () => {
    const browser = await browserOnLogin();
    await browser.post('/signup', { email: 'no-js-tabs@example.com', password: 'a fine password' });
    await browser.post('/logout', {});
    const loginTab = await browser.openSocket();

    const response = await browser.post('/login', {
      email: 'no-js-tabs@example.com',
      password: 'a fine password',
    });

    expect(response.status).toBe(303);
    expect(await loginTab.waitFor((m) => m.type === 'signed-in')).toEqual({ type: 'signed-in' });
    loginTab.close();
  });
});
