/**
 * Nothing secret is ever written to a log: the server logs at `trace` through a whole
 * sign-up, sign-in, password change (and its emails), sign-out and a round of refused
 * attempts, and the text it wrote must hold no password, handoff, session id or signature,
 * binding, secret, derived key, emailed link or token, not even a 16-character piece of one,
 * nor a browser's binding hash or known-device digest after a sign-in from a new browser;
 * and the same through a forgotten password, its reset links and the resets themselves, and
 * through a change of email and its links.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashBinding } from '../../server/handoff/seal.ts';
import type { KeyPurpose } from '../../server/keys/keyring.ts';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { createLogger } from '../../server/logger.ts';
import { deviceDigest } from '../../server/session/new-device.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { handoffFor, signUpAndRedeem, submitOverSocket } from '../helpers/live-forms.ts';
import { captureLogs, type LogCapture, leaksOf } from '../helpers/log-capture.ts';
import { type RunningServer, startServer, TEST_SECRET } from '../helpers/start-server.ts';

let logs: LogCapture;
let server: RunningServer;
beforeAll(async () => {
  logs = captureLogs();
  server = await startServer({
    logger: createLogger({ level: 'trace', destination: logs.destination }),
  });
});
afterAll(() => server.stop());

/** Every value a secret could be logged as: each derived key in the encodings code tends to use. */
function derivedKeys(): Map<string, string> {
  const found = new Map<string, string>();
  const ring = createKeyRing([TEST_SECRET]);
  for (const purpose of ['cookie', 'handoff', 'flash'] satisfies KeyPurpose[]) {
    const key = ring.current.key(purpose);
    for (const encoding of ['base64url', 'base64', 'hex'] as const) {
      found.set(`the ${purpose} key (${encoding})`, key.toString(encoding));
    }
  }
  return found;
}

describe('logs', () => {
  it('hold no password, handoff, session id, binding, secret or key through a whole sign-in and its attacks', async () => {
    const secrets = new Map<string, string>();
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const wrongPassword = `wrong-${randomBytes(12).toString('base64url')}`;
    const formPassword = `form-${randomBytes(12).toString('base64url')}`;
    const email = 'logged@example.com';
    secrets.set('the password', password);
    secrets.set('a wrong password', wrongPassword);
    secrets.set('a wrong password posted to the form', formPassword);
    secrets.set('the secret', TEST_SECRET);
    for (const [what, value] of derivedKeys()) secrets.set(what, value);

    const browser = new BrowserSession(server.url);
    /** Keeps every cookie value the browser holds, under the cookie's name. */
    const noteCookies = () => {
      for (const [name, value] of browser.cookies) {
        if (name !== 'baton.flash') secrets.set(`cookie ${name}=${value.slice(0, 6)}…`, value);
      }
    };

    // Sign up over the socket, redeem, view the account with its live socket, sign out.
    const signup = await handoffFor(browser, 'signup', { email, password });
    secrets.set('the sign-up handoff', signup);
    noteCookies();
    expect((await browser.post('/handoff', { handoff: signup })).headers.get('location')).toBe(
      '/account',
    );
    noteCookies();
    expect((await browser.fetch('/account')).status).toBe(200);
    const accountSocket = await browser.openSocket();
    accountSocket.close();
    expect((await browser.post('/logout', {})).headers.get('location')).toBe('/login');

    // Sign in again, both ways.
    const login = await handoffFor(browser, 'login', { email, password });
    secrets.set('the log-in handoff', login);
    expect((await browser.post('/handoff', { handoff: login })).headers.get('location')).toBe(
      '/account',
    );
    noteCookies();
    await browser.post('/logout', {});
    expect((await browser.post('/login', { email, password })).headers.get('location')).toBe(
      '/account',
    );
    noteCookies();

    // Change the password over the socket, then back again over the plain form.
    const changed = `new-${randomBytes(12).toString('base64url')}`;
    secrets.set('a new password', changed);
    const change = await handoffFor(browser, 'change-password', {
      password,
      newPassword: changed,
    });
    secrets.set('the change-password handoff', change);
    expect((await browser.post('/handoff', { handoff: change })).headers.get('location')).toBe(
      '/account',
    );
    noteCookies();
    const back = await browser.post('/change-password', {
      password: changed,
      newPassword: password,
    });
    expect(back.headers.get('location')).toBe('/account');
    noteCookies();
    await browser.post('/logout', {});

    // The sign-up emailed a confirmation link and each change a notice: every link in every
    // email is as secret as a token.
    await server.baton.mailer.idle();
    const emails = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as Array<{
      text: string;
      html: string;
    }>;
    expect(emails).toHaveLength(3);
    for (const sent of emails) {
      for (const link of `${sent.text} ${sent.html}`.match(/https?:\/\/[^\s"<]+/g) ?? []) {
        secrets.set(`a link in an email (${link.slice(0, 30)}…)`, link);
      }
    }
    // The routes of emailed links carry their token in the path: opened, even with a stray
    // character a mail reader added, they are logged without it.
    for (const route of ['/reset-password/', '/login-link/', '/confirm/', '/confirm-email/']) {
      const token = randomBytes(32).toString('base64url');
      secrets.set(`a token in ${route}`, token);
      await browser.fetch(`${route}${token}`);
      await browser.fetch(`${route}${token}.`);
    }

    // A sign-in from a browser new to the account: it mails the account a notice, decided
    // after the response. Neither browser's binding, its hash nor the digest the account
    // files it under may be logged; the notice's links carry no token.
    const newBrowser = new BrowserSession(server.url);
    const fromNew = await handoffFor(newBrowser, 'login', { email, password });
    secrets.set("the new browser's handoff", fromNew);
    const redeemed = await newBrowser.post('/handoff', { handoff: fromNew });
    expect(redeemed.headers.get('location')).toBe('/account');
    const accountId = (await server.store.accounts.findByEmail(email))?.id ?? '';
    for (const [name, value] of newBrowser.cookies) {
      if (name !== 'baton.flash') secrets.set(`cookie ${name}=${value.slice(0, 6)}…`, value);
    }
    for (const each of [browser, newBrowser]) {
      const bindingHash = hashBinding(each.cookies.get('baton.bind') ?? '');
      secrets.set(`a binding's hash (${bindingHash.slice(0, 4)}…)`, bindingHash);
      const digest = deviceDigest(accountId, bindingHash);
      secrets.set(`a known-device digest (${digest.slice(0, 4)}…)`, digest);
    }
    await server.baton.mailer.idle();
    const [notice] = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as Array<{
      subject: string;
      text: string;
    }>;
    expect(notice?.subject).toBe('New sign-in from an unknown browser');
    expect(notice?.text.match(/https?:\/\/\S+/g)).toEqual([
      `${server.origin}/account/sessions`,
      `${server.origin}/change-password`,
    ]);

    // Failed sign-ins, both ways.
    const failed = await submitOverSocket(browser, 'login', { email, password: wrongPassword });
    expect(failed.type).toBe('refused');
    expect((await browser.post('/login', { email, password: formPassword })).status).toBe(422);

    // Refused handoffs: replayed, tampered, from another browser.
    const tampered = `${login.slice(0, 30)}${login[30] === 'A' ? 'B' : 'A'}${login.slice(31)}`;
    secrets.set('a tampered handoff', tampered);
    for (const handoff of [login, tampered]) {
      expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/login');
    }
    const pending = await handoffFor(browser, 'login', { email, password });
    secrets.set('an unspent handoff', pending);
    const thief = new BrowserSession(server.url);
    expect((await thief.post('/handoff', { handoff: pending })).headers.get('location')).toBe(
      '/login',
    );

    // An upgrade from a foreign origin, carrying the browser's cookies.
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/live`, {
        headers: { cookie: browser.cookieHeader(), origin: 'https://evil.example' },
      });
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(101));
      socket.once('error', reject);
    });
    expect(status).toBe(403);
    noteCookies();

    // The logs are there and describe the requests; otherwise the checks below prove nothing.
    const text = logs.text();
    const records = logs.records();
    expect(text.length).toBeGreaterThan(0);
    const requests = records.filter((record) => record.msg === 'request');
    for (const [method, path] of [
      ['GET', '/signup'],
      ['POST', '/handoff'],
      ['GET', '/account'],
      ['POST', '/logout'],
      ['POST', '/login'],
      ['POST', '/change-password'],
      ['GET', '/reset-password/:token'],
      ['GET', '/login-link/:token'],
      ['GET', '/confirm/:token'],
      ['GET', '/confirm-email/:token'],
    ]) {
      expect(
        requests.some((record) => record.method === method && record.path === path),
        `a request line for ${method} ${path}`,
      ).toBe(true);
    }
    expect(
      [...secrets.keys()].filter((what) => what.startsWith('cookie baton.sid=')),
    ).not.toHaveLength(0);
    expect(
      [...secrets.keys()].filter((what) => what.startsWith('cookie baton.sid.sig=')),
    ).not.toHaveLength(0);
    expect(
      [...secrets.keys()].filter((what) => what.startsWith('cookie baton.bind=')),
    ).toHaveLength(2);
    expect(
      [...secrets.keys()].filter((what) => what.startsWith('a known-device digest')),
    ).toHaveLength(2);
    expect(records.filter((record) => record.code === 'mail.sent')).toHaveLength(4);
    expect(
      [...secrets.keys()].filter((what) => what.startsWith('a link in an email')),
    ).not.toHaveLength(0);

    expect(leaksOf(secrets, text)).toEqual([]);
  });

  it('hold no reset link or token through a forgotten password and its resets', async () => {
    const secrets = new Map<string, string>();
    const email = 'forgot-logged@example.com';
    const first = `pw-${randomBytes(12).toString('base64url')}`;
    const second = `reset-${randomBytes(12).toString('base64url')}`;
    const third = `again-${randomBytes(12).toString('base64url')}`;
    secrets.set('the first password', first);
    secrets.set('the password chosen on the plain form', second);
    secrets.set('the password chosen over the socket', third);
    await signUpAndRedeem(new BrowserSession(server.url), { email, password: first });
    // The sign-up's confirmation email is logged before what this test counts.
    await server.baton.mailer.idle();
    const before = logs.records().length;

    /** Asks for a link (plain post, then over the socket) and returns the token mailed. */
    const linkMailed = async (live: boolean): Promise<string> => {
      const browser = new BrowserSession(server.url);
      await browser.fetch('/forgot-password');
      if (live) await handoffFor(browser, 'forgot-password', { email });
      else await browser.post('/forgot-password', { email });
      await server.baton.mailer.idle();
      // The newest reset link (the resets' new browsers also get the account notices).
      const newest = (
        (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as Array<{
          subject: string;
          text: string;
        }>
      ).find((mail) => mail.subject === 'Reset your Baton password');
      // The token is the link's secret part (the rest, the route, is logged as `:token`).
      const token = /\/reset-password\/([\w-]+)/.exec(newest?.text ?? '')?.[1];
      if (!token) throw new Error('no reset link was mailed');
      secrets.set(`a reset token (${token.slice(0, 4)}…)`, token);
      return token;
    };

    // Reset without JavaScript: open the link, post a refused password, then a good one.
    const plain = await linkMailed(false);
    const browser = new BrowserSession(server.url);
    expect((await browser.fetch(`/reset-password/${plain}`)).status).toBe(200);
    expect(
      (await browser.post(`/reset-password/${plain}`, { newPassword: 'password' })).status,
    ).toBe(422);
    const reset = await browser.post(`/reset-password/${plain}`, { newPassword: second });
    expect(reset.headers.get('location')).toBe('/account');
    // Used: opening it again goes to /forgot-password.
    expect((await browser.fetch(`/reset-password/${plain}`)).status).toBe(303);

    // Reset over the live socket, the token sent with the submit.
    const live = await linkMailed(true);
    const other = new BrowserSession(server.url);
    await other.fetch(`/reset-password/${live}`);
    const handoff = await handoffFor(other, 'reset-password', { newPassword: third, token: live });
    secrets.set('the reset handoff', handoff);
    expect((await other.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
    for (const [name, value] of other.cookies) {
      if (name !== 'baton.flash') secrets.set(`cookie ${name}`, value);
    }

    // The last reset's notice is decided after its response: wait for every email.
    await server.baton.mailer.idle();
    const records = logs.records().slice(before);
    const requests = records.filter((record) => record.msg === 'request');
    for (const [method, path] of [
      ['POST', '/forgot-password'],
      ['GET', '/reset-password/:token'],
      ['POST', '/reset-password/:token'],
    ]) {
      expect(
        requests.some((record) => record.method === method && record.path === path),
        `a request line for ${method} ${path}`,
      ).toBe(true);
    }
    // Two reset links, the two password-changed notices and the resets' new-device notices.
    expect(records.filter((record) => record.code === 'mail.sent')).toHaveLength(6);
    expect(records.filter((record) => record.kind === 'password-reset')).not.toHaveLength(0);
    expect(leaksOf(secrets, logs.text())).toEqual([]);
  });

  it('hold no confirmation link or token through a sign-up, a resend, both confirmations and a sign-up over the email limits', async () => {
    const secrets = new Map<string, string>();
    const email = 'confirm-logged@example.com';
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    secrets.set('the password', password);
    const before = logs.records().length;

    /** The token of the newest confirmation link mailed, noted as a secret with its link. */
    const confirmationMailed = async (): Promise<string> => {
      await server.baton.mailer.idle();
      const [newest] = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as Array<{
        text: string;
      }>;
      const link = /https?:\/\/\S+\/confirm\/([\w-]+)/.exec(newest?.text ?? '');
      if (!link?.[1]) throw new Error('no confirmation link was mailed');
      secrets.set(`a confirmation link (${link[1].slice(0, 4)}…)`, link[0]);
      secrets.set(`a confirmation token (${link[1].slice(0, 4)}…)`, link[1]);
      return link[1];
    };

    // Sign up without JavaScript, then ask for the email again from /account.
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    expect((await browser.post('/signup', { email, password })).status).toBe(303);
    const first = await confirmationMailed();
    expect((await browser.post('/account/confirmation', {})).headers.get('location')).toBe(
      '/account',
    );
    const second = await confirmationMailed();

    // Confirm with the plain post, then over the live socket in another browser.
    expect((await browser.fetch(`/confirm/${first}`)).status).toBe(200);
    const confirmed = await browser.post(`/confirm/${first}`, {});
    expect(confirmed.headers.get('location')).toBe('/account');
    const other = new BrowserSession(server.url);
    await other.fetch(`/confirm/${second}`);
    const handoff = await handoffFor(other, 'confirm', { token: second });
    secrets.set('the confirmation handoff', handoff);
    expect((await other.post('/handoff', { handoff })).headers.get('location')).toBe('/login');

    // An address whose email allowance is spent: its sign-up succeeds, its email stays unsent.
    const spent = 'spent-allowance@example.com';
    for (let i = 0; i < 5; i += 1) {
      const asker = new BrowserSession(server.url);
      await asker.fetch('/forgot-password');
      await asker.post('/forgot-password', { email: spent });
    }
    const late = new BrowserSession(server.url);
    await late.fetch('/signup');
    expect((await late.post('/signup', { email: spent, password })).headers.get('location')).toBe(
      '/account',
    );
    await server.baton.mailer.idle();

    const records = logs.records().slice(before);
    const requests = records.filter((record) => record.msg === 'request');
    for (const [method, path] of [
      ['POST', '/account/confirmation'],
      ['GET', '/confirm/:token'],
      ['POST', '/confirm/:token'],
    ]) {
      expect(
        requests.some((record) => record.method === method && record.path === path),
        `a request line for ${method} ${path}`,
      ).toBe(true);
    }
    expect(records.filter((record) => record.kind === 'confirm-email')).not.toHaveLength(0);
    const unsent = records.filter((record) => record.code === 'confirm-email.limited');
    const account = await server.store.accounts.findByEmail(spent);
    expect(unsent).toEqual([
      expect.objectContaining({
        msg: 'confirmation email not sent: over the email limits',
        accountId: account?.id,
        retryAfterSeconds: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(unsent)).not.toContain(spent);
    expect(leaksOf(secrets, logs.text())).toEqual([]);
  });

  it('hold no email change link or token through a change of email, live and without JavaScript', async () => {
    const secrets = new Map<string, string>();
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    secrets.set('the password', password);
    const browser = new BrowserSession(server.url);
    await signUpAndRedeem(browser, { email: 'moving-logged@example.com', password });
    const before = logs.records().length;

    /** Asks to move to `to` (plain post, or over the socket) and returns the token mailed. */
    const linkMailed = async (to: string, live: boolean): Promise<string> => {
      await browser.fetch('/change-email');
      if (live) {
        const handoff = await handoffFor(browser, 'change-email', { email: to, password });
        await browser.post('/handoff', { handoff });
      } else {
        await browser.post('/change-email', { email: to, password });
      }
      await server.baton.mailer.idle();
      const mail = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as Array<{
        to: string;
        text: string;
      }>;
      const token = /\/confirm-email\/([\w-]+)/.exec(
        mail.find((each) => each.to === to)?.text ?? '',
      )?.[1];
      if (!token) throw new Error('no email change link was mailed');
      secrets.set(`an email change token (${token.slice(0, 4)}…)`, token);
      return token;
    };

    // Without JavaScript: open the link, then press the button.
    const plain = await linkMailed('moved-logged@example.com', false);
    expect((await browser.fetch(`/confirm-email/${plain}`)).status).toBe(200);
    expect((await browser.post(`/confirm-email/${plain}`, {})).headers.get('location')).toBe(
      '/account',
    );
    // Used: opening it again goes to /change-email.
    expect((await browser.fetch(`/confirm-email/${plain}`)).status).toBe(303);

    // Over the live socket, the token sent with the submit.
    const live = await linkMailed('moved-again-logged@example.com', true);
    await browser.fetch(`/confirm-email/${live}`);
    const handoff = await handoffFor(browser, 'confirm-email', { token: live });
    secrets.set('the email change handoff', handoff);
    expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
    for (const [name, value] of browser.cookies) {
      if (name !== 'baton.flash') secrets.set(`cookie ${name}`, value);
    }

    const records = logs.records().slice(before);
    const requests = records.filter((record) => record.msg === 'request');
    for (const [method, path] of [
      ['POST', '/change-email'],
      ['GET', '/confirm-email/:token'],
      ['POST', '/confirm-email/:token'],
    ]) {
      expect(
        requests.some((record) => record.method === method && record.path === path),
        `a request line for ${method} ${path}`,
      ).toBe(true);
    }
    expect(records.filter((record) => record.kind === 'email-change')).not.toHaveLength(0);
    expect(records.filter((record) => record.kind === 'email-changed')).not.toHaveLength(0);
    expect(leaksOf(secrets, logs.text())).toEqual([]);
  });
});
