/**
 * The third form: changing the password of the signed-in account, over the plain post and
 * over the live socket, through the same handler as log in and sign up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import type { Fields } from '../../../shared/protocol.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { cloneBrowser, pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const OLD = 'the old password 1';
const NEW = 'a brand new password 2';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ limits: { ...DEFAULT_LIMITS, loginFailsPerAccount: 3 } });
});
afterAll(() => server.stop());

let people = 0;
/** A new browser, signed up (and so signed in) as a new person with the password OLD. */
async function signedIn(): Promise<{ browser: BrowserSession; email: string }> {
  people += 1;
  const email = `changer-${people}@example.com`;
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  const response = await browser.post('/signup', { email, password: OLD });
  expect(response.headers.get('location')).toBe('/account');
  await browser.fetch('/account'); // shows (and clears) the sign-up's welcome
  return { browser, email };
}

/** A second browser signed in to the same account. */
async function alsoSignedIn(email: string, password = OLD): Promise<BrowserSession> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/login');
  const response = await browser.post('/login', { email, password });
  expect(response.headers.get('location')).toBe('/account');
  return browser;
}

const CHANGE = { password: OLD, newPassword: NEW };

/** Whether `password` logs `email` in, from a fresh browser. */
async function logsIn(email: string, password: string): Promise<boolean> {
  const browser = new BrowserSession(server.url);
  const response = await browser.post('/login', { email, password });
  return response.status === 303 && response.headers.get('location') === '/account';
}

describe('the change-password page', () => {
  it('sends a signed-out visitor to /login', async () => {
    const response = await new BrowserSession(server.url).fetch('/change-password');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
  });

  it('shows a signed-in person the form with both fields, linked from /account', async () => {
    const { browser } = await signedIn();
    expect(await (await browser.fetch('/account')).text()).toContain(
      '<a href="/change-password">Change password</a>',
    );
    const response = await browser.fetch('/change-password');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>Change your password · Baton</title>');
    expect(html).toContain('action="/change-password"');
    expect(html).toContain('>Current password<');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).toContain('>New password<');
    expect(html).toContain('autocomplete="new-password"');
  });
});

describe('POST /change-password without JavaScript', () => {
  it('changes the password, renews the session id and says so once on /account', async () => {
    const { browser, email } = await signedIn();
    const before = browser.cookies.get('baton.sid');
    const response = await browser.post('/change-password', { password: OLD, newPassword: NEW });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
    expect(browser.cookies.get('baton.sid')).not.toBe(before);
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain(email);
    expect(account).toContain('Your password is changed.');
    expect(await (await browser.fetch('/account')).text()).not.toContain(
      'Your password is changed.',
    );
    expect(await logsIn(email, NEW)).toBe(true);
    expect(await logsIn(email, OLD)).toBe(false);
  });

  it("ends the account's other sessions and closes their sockets, keeping this browser's", async () => {
    const { browser, email } = await signedIn();
    const other = await alsoSignedIn(email);
    const otherSocket = await other.openSocket();
    const stranger = await signedIn();
    const strangerSocket = await stranger.browser.openSocket();

    await browser.post('/change-password', { password: OLD, newPassword: NEW });

    expect(await otherSocket.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect(otherSocket.messages).toContainEqual({ type: 'session-ended', reason: 'revoked' });
    expect((await other.fetch('/account')).headers.get('location')).toBe('/login');
    expect((await browser.fetch('/account')).status).toBe(200);
    expect((await stranger.browser.fetch('/account')).status).toBe(200);
    expect(strangerSocket.messages).toEqual([]);
    strangerSocket.close();
  });

  it('tells a browser whose session it ended, once, on the page that browser goes to', async () => {
    const { browser, email } = await signedIn();
    const other = await alsoSignedIn(email);
    await other.fetch('/account'); // shows (and clears) the log-in's welcome

    await browser.post('/change-password', { password: OLD, newPassword: NEW });

    // The socket sends the page to /login; the dead cookie makes that page say why, in a
    // neutral notice.
    const login = await other.fetch('/login');
    expect(login.status).toBe(200);
    expect(pageData(await login.text()).flash).toEqual([
      {
        kind: 'notice',
        text: 'You were signed out because your password was changed. Log in again to continue.',
      },
    ]);
    expect(other.cookies.get('baton.sid')).toBeUndefined();
    expect(pageData(await (await other.fetch('/login')).text()).flash).toEqual([]);
    expect(await (await browser.fetch('/account')).text()).not.toContain('signed out');
  });

  it('leaves alone the cookies of another tab that follows the change with the replaced cookie', async () => {
    const { browser } = await signedIn();
    // The same browser's other tab, whose request left before the new cookie arrived.
    const otherTab = cloneBrowser(browser);

    await browser.post('/change-password', { password: OLD, newPassword: NEW });

    const follow = await otherTab.fetch('/account?from=other-tab');
    expect(follow.headers.get('location')).toBe('/login');
    expect(
      follow.headers.getSetCookie().filter((line) => /^baton\.(sid|flash)/.test(line)),
    ).toEqual([]);
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain('Your password is changed.');
    expect(account).not.toContain('Your session has ended');
  });

  it('refuses a wrong current password beside its field and changes nothing', async () => {
    const { browser, email } = await signedIn();
    const response = await browser.post('/change-password', {
      password: 'not my password',
      newPassword: NEW,
    });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('Your current password was not right. Nothing was changed.');
    expect(html).toContain('This is not your current password.');
    expect(html).not.toContain('not my password');
    expect(html).not.toContain(NEW);
    expect(await logsIn(email, OLD)).toBe(true);
  });

  it('applies the new-password rules: length, the common list, and not the same again', async () => {
    const { browser, email } = await signedIn();
    const cases: Array<[string, string]> = [
      ['short', 'Use at least 8 characters.'],
      ['password123', 'This password is among the most common ones. Choose another.'],
      [OLD, 'Choose a password different from your current one.'],
      ['', 'Enter your new password.'],
    ];
    for (const [newPassword, message] of cases) {
      const response = await browser.post('/change-password', { password: OLD, newPassword });
      expect(response.status).toBe(422);
      expect(await response.text()).toContain(message);
    }
    expect(await logsIn(email, OLD)).toBe(true);
  });

  it('shows both errors when the current password is wrong and the new one breaks a rule', async () => {
    const { browser, email } = await signedIn();

    const response = await browser.post('/change-password', {
      password: 'not my password',
      newPassword: 'short',
    });

    expect(response.status).toBe(422);
    expect(pageData(await response.text())).toMatchObject({
      errors: {
        password: 'This is not your current password.',
        newPassword: 'Use at least 8 characters.',
      },
      formError: { code: 'form.invalid' },
    });
    const right = await browser.post('/change-password', { password: OLD, newPassword: 'short' });
    const rightPage = pageData(await right.text());
    expect(rightPage).toMatchObject({ errors: { newPassword: 'Use at least 8 characters.' } });
    expect(rightPage).not.toHaveProperty('errors.password');
    expect(await logsIn(email, OLD)).toBe(true);
  });

  it('counts the current password checked beside a refused new one as a failed sign-in', async () => {
    const { browser } = await signedIn();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await browser.post('/change-password', {
        password: `wrong guess ${attempt}`,
        newPassword: 'short',
      });
      expect(response.status).toBe(422);
    }
    const limited = await browser.post('/change-password', { password: OLD, newPassword: 'short' });
    expect(limited.status).toBe(429);
  });

  it('counts wrong current passwords as failed sign-ins, under the same per-account limit', async () => {
    const { browser, email } = await signedIn();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await browser.post('/change-password', {
        password: `wrong guess ${attempt}`,
        newPassword: NEW,
      });
      expect(response.status).toBe(422);
    }
    const limited = await browser.post('/change-password', { password: OLD, newPassword: NEW });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many failed sign-ins.');
    expect(await logsIn(email, NEW)).toBe(false);
  });

  it('sends a signed-out post to /login with a flash, changing nothing', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const response = await browser.post('/change-password', { password: OLD, newPassword: NEW });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(await (await browser.fetch('/login')).text()).toContain(
      'Your session has ended. Log in again to continue.',
    );
  });
});

describe('change-password over the live socket', () => {
  it('accepts with a handoff that signs the same account in again, with its flash', async () => {
    const { browser, email } = await signedIn();
    const reply = await submitOverSocket(browser, 'change-password', CHANGE);
    if (reply.type !== 'accepted')
      throw new Error(`expected accepted, got ${JSON.stringify(reply)}`);
    const before = browser.cookies.get('baton.sid');
    const redeemed = await browser.post('/handoff', { handoff: reply.handoff });
    expect(redeemed.headers.get('location')).toBe('/account');
    expect(browser.cookies.get('baton.sid')).not.toBe(before);
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain(email);
    expect(account).toContain('Your password is changed.');
    expect(await logsIn(email, NEW)).toBe(true);
  });

  it("ends the account's other sessions from the socket too, and the redeem keeps this browser in", async () => {
    const { browser, email } = await signedIn();
    const other = await alsoSignedIn(email);
    const reply = await submitOverSocket(browser, 'change-password', CHANGE);
    expect((await other.fetch('/account')).headers.get('location')).toBe('/login');
    // The socket's own session is kept until its handoff renews it.
    expect((await browser.fetch('/account')).status).toBe(200);
    if (reply.type !== 'accepted') throw new Error(`expected accepted, got ${reply.type}`);
    expect(
      (await browser.post('/handoff', { handoff: reply.handoff })).headers.get('location'),
    ).toBe('/account');
    expect((await browser.fetch('/account')).status).toBe(200);
  });

  it('refuses a wrong current password and a refused new one with both errors', async () => {
    const { browser } = await signedIn();
    const reply = await submitOverSocket(browser, 'change-password', {
      password: 'not my password',
      newPassword: 'short',
    });
    expect(reply).toEqual({
      type: 'refused',
      ref: 1,
      code: 'form.invalid',
      message: 'Check the highlighted fields and try again.',
      errors: {
        password: 'This is not your current password.',
        newPassword: 'Use at least 8 characters.',
      },
    });
  });

  it('validates both fields as the person types', async () => {
    const { browser } = await signedIn();
    const live = await browser.openSocket();
    const reply = await live.request({
      type: 'validate',
      form: 'change-password',
      fields: { password: '', newPassword: OLD.slice(0, 5) },
    });
    live.close();
    expect(reply).toEqual({
      type: 'validated',
      ref: 1,
      errors: {
        password: 'Enter your current password.',
        newPassword: 'Use at least 8 characters.',
      },
    });
  });

  it('refuses a socket without a session, whatever it sends', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const reply = await submitOverSocket(browser, 'change-password', CHANGE);
    expect(reply).toEqual({
      type: 'refused',
      ref: 1,
      code: 'auth.required',
      message: 'Your session has ended. Log in again to continue.',
      errors: {},
    });
  });

  it('refuses a field no form has', async () => {
    const { browser } = await signedIn();
    // Not a field of any form: the schema refuses the frame before any handler sees it.
    const fields = { ...CHANGE, confirm: NEW } as Fields;
    const reply = await submitOverSocket(browser, 'change-password', fields);
    expect(reply).toMatchObject({ type: 'error', ref: 1, code: 'frame.invalid' });
  });
});
