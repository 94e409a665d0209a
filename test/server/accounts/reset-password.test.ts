/**
 * Password reset (CONTRACT.md, "Account recovery and email"): asking for a link at
 * /forgot-password, and choosing a new password at /reset-password/<token>, over the plain
 * post and the live socket, with the link read back from the dev mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const OLD = 'the old password 1';
const NEW = 'a brand new password 2';
const SENT = 'If that email has an account, a link to reset its password is on its way.';
const INVALID = 'That reset link is invalid or has expired.';
const HOUR = 60 * 60_000;
/** What every sign-up mails first. */
const CONFIRM = 'Confirm your email for Baton';

let clock = Date.now();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    now: () => clock,
    // One client IP asks for every link here: only the per-address limit is under test.
    limits: { ...DEFAULT_LIMITS, loginFailsPerAccount: 3, emailsPerIp: 1000 },
  });
});
afterAll(() => server.stop());

let people = 0;
/** A new account with the password OLD, signed in in the browser returned. */
async function signedUp(): Promise<{ browser: BrowserSession; email: string }> {
  people += 1;
  const email = `forgetful-${people}@example.com`;
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  const response = await browser.post('/signup', { email, password: OLD });
  expect(response.headers.get('location')).toBe('/account');
  return { browser, email };
}

/** The emails the dev mailbox holds for `to`, newest first, once the queue is idle. */
async function mailTo(to: string): Promise<MailboxEntry[]> {
  await server.baton.mailer.idle();
  const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter((email) => email.to === to);
}

/** Asks for a reset link for `email` from a fresh signed-out browser; returns its answer. */
async function askForLink(email: string, browser = new BrowserSession(server.url)) {
  await browser.fetch('/forgot-password');
  return browser.post('/forgot-password', { email });
}

/** The token of the newest reset link mailed to `email`. */
async function newestToken(email: string): Promise<string> {
  // The newest reset link (a sign-in from a new browser also mails the account a notice).
  const newest = (await mailTo(email)).find((mail) => mail.subject === 'Reset your Baton password');
  const token = /\/reset-password\/([A-Za-z0-9_-]+)/.exec(newest?.text ?? '')?.[1];
  if (!token) throw new Error(`no reset link was mailed to ${email}`);
  return token;
}

/** Whether `password` logs `email` in, from a fresh browser. */
async function logsIn(email: string, password: string): Promise<boolean> {
  const browser = new BrowserSession(server.url);
  const response = await browser.post('/login', { email, password });
  return response.headers.get('location') === '/account';
}

/** Where opening `/reset-password/<token>` sends a fresh browser, and what that page says. */
async function opened(
  token: string,
): Promise<{ status: number; location: string | null; says: string }> {
  const browser = new BrowserSession(server.url);
  const response = await browser.fetch(`/reset-password/${token}`);
  const location = response.headers.get('location');
  const says = location ? await (await browser.fetch(location)).text() : await response.text();
  return { status: response.status, location, says };
}

describe('/forgot-password', () => {
  it('is linked from /login as "Forgot your password?"', async () => {
    const html = await (await new BrowserSession(server.url).fetch('/login')).text();
    expect(html).toContain('<a href="/forgot-password">Forgot your password?</a>');
  });

  it('asks for the email, with a "Send reset link" button', async () => {
    const response = await new BrowserSession(server.url).fetch('/forgot-password');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('action="/forgot-password"');
    expect(html).toContain('>Email<');
    expect(html).toContain('>Send reset link<');
  });

  it('mails a known address a link to /reset-password/<token>, and says the same as for any address', async () => {
    const { email } = await signedUp();
    const browser = new BrowserSession(server.url);
    const response = await askForLink(email, browser);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/forgot-password');
    expect(await (await browser.fetch('/forgot-password')).text()).toContain(SENT);

    const [mail, ...more] = await mailTo(email);
    expect(more.map((older) => older.subject)).toEqual([CONFIRM]);
    expect(mail?.subject).toBe('Reset your Baton password');
    const token = await newestToken(email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail?.text).toContain(
      `Reset your password:\n${server.origin}/reset-password/${token}\n`,
    );
    expect(mail?.html).toContain(`<a href="${server.origin}/reset-password/${token}"`);
    expect(mail?.text).toContain('within 60 minutes');
  });

  it('mails nothing for an unknown address, and says the same', async () => {
    const browser = new BrowserSession(server.url);
    const response = await askForLink('nobody-here@example.com', browser);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/forgot-password');
    expect(await (await browser.fetch('/forgot-password')).text()).toContain(SENT);
    expect(await mailTo('nobody-here@example.com')).toEqual([]);
  });

  it('answers the same over the live socket, mailing the link', async () => {
    const { email } = await signedUp();
    const browser = new BrowserSession(server.url);
    await browser.fetch('/forgot-password');
    const handoff = await handoffFor(browser, 'forgot-password', { email });
    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/forgot-password');
    expect(await (await browser.fetch('/forgot-password')).text()).toContain(SENT);
    expect((await mailTo(email)).map((mail) => mail.subject)).toEqual([
      'Reset your Baton password',
      CONFIRM,
    ]);
  });

  it('sends a signed-in visitor to /account', async () => {
    const { browser } = await signedUp();
    const response = await browser.fetch('/forgot-password');
    expect(response.headers.get('location')).toBe('/account');
  });
});

describe('/reset-password/<token>', () => {
  it('shows the "New password" form, posting to its own path, while the link is good', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const response = await new BrowserSession(server.url).fetch(`/reset-password/${token}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`action="/reset-password/${token}"`);
    expect(html).toContain('>New password<');
    expect(html).toContain('autocomplete="new-password"');
    expect(html).toContain('>Reset password<');
    expect(pageData(html)).toMatchObject({ page: 'reset-password', token });
  });

  it('sends a link that was never issued to /forgot-password, saying so', async () => {
    for (const token of ['nonsense', 'A'.repeat(43), `${'A'.repeat(43)}x`]) {
      const { status, location, says } = await opened(token);
      expect(status).toBe(303);
      expect(location).toBe('/forgot-password');
      expect(says).toContain(INVALID);
    }
  });

  it('sends a link older than 60 minutes to /forgot-password', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    clock += HOUR;
    try {
      expect(await opened(token)).toMatchObject({ location: '/forgot-password' });
      const browser = new BrowserSession(server.url);
      await browser.fetch('/login');
      const response = await browser.post(`/reset-password/${token}`, { newPassword: NEW });
      expect(response.headers.get('location')).toBe('/forgot-password');
      expect(await logsIn(email, OLD)).toBe(true);
    } finally {
      clock -= HOUR;
    }
  });

  it('sends a link mailed before a password change to /forgot-password', async () => {
    const { browser, email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    await browser.post('/change-password', { password: OLD, newPassword: NEW });
    const { location, says } = await opened(token);
    expect(location).toBe('/forgot-password');
    expect(says).toContain(INVALID);
  });
});

describe('POST /reset-password/<token> without JavaScript', () => {
  it('changes the password, signs this browser in and says "Your password was reset." once', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);

    const response = await browser.post(`/reset-password/${token}`, { newPassword: NEW });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain(email);
    expect(account).toContain('Your password was reset.');
    expect(await (await browser.fetch('/account')).text()).not.toContain(
      'Your password was reset.',
    );
    expect(await logsIn(email, NEW)).toBe(true);
    expect(await logsIn(email, OLD)).toBe(false);
    // The reset's browser and the one that logs in with the new password are new to the
    // account: each gets it a notice.
    expect((await mailTo(email)).map((mail) => mail.subject).sort()).toEqual([
      CONFIRM,
      'New sign-in from an unknown browser',
      'New sign-in from an unknown browser',
      'Reset your Baton password',
      'Your password was changed',
    ]);
  });

  it('works once: the same link again goes to /forgot-password and changes nothing', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const first = new BrowserSession(server.url);
    await first.fetch(`/reset-password/${token}`);
    expect((await first.post(`/reset-password/${token}`, { newPassword: NEW })).status).toBe(303);

    const second = new BrowserSession(server.url);
    await second.fetch('/login');
    const again = await second.post(`/reset-password/${token}`, {
      newPassword: 'a third password 3',
    });
    expect(again.headers.get('location')).toBe('/forgot-password');
    expect(await (await second.fetch('/forgot-password')).text()).toContain(INVALID);
    expect(await logsIn(email, NEW)).toBe(true);
    expect(await opened(token)).toMatchObject({ location: '/forgot-password' });
  });

  it('ends every session of the account and closes their sockets, leaving other accounts alone', async () => {
    const { browser: owner, email } = await signedUp();
    const ownerSocket = await owner.openSocket();
    const stranger = await signedUp();
    const strangerSocket = await stranger.browser.openSocket();
    await askForLink(email);
    const token = await newestToken(email);

    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);
    await browser.post(`/reset-password/${token}`, { newPassword: NEW });

    expect(await ownerSocket.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect((await owner.fetch('/account')).headers.get('location')).toBe('/login');
    expect((await stranger.browser.fetch('/account')).status).toBe(200);
    expect(strangerSocket.messages).toEqual([]);
    strangerSocket.close();
  });

  it('kills every other link mailed before it, and any handoff sealed before it', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const older = await newestToken(email);
    await askForLink(email);
    const newer = await newestToken(email);
    expect(newer).not.toBe(older);
    // A log-in accepted over the socket, its handoff not yet redeemed.
    const elsewhere = new BrowserSession(server.url);
    const handoff = await handoffFor(elsewhere, 'login', { email, password: OLD });

    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${newer}`);
    await browser.post(`/reset-password/${newer}`, { newPassword: NEW });

    expect(await opened(older)).toMatchObject({ location: '/forgot-password' });
    const redeemed = await elsewhere.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/login');
    expect((await elsewhere.fetch('/account')).headers.get('location')).toBe('/login');
  });

  it('refuses a common password beside its field and keeps the link good', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);

    const response = await browser.post(`/reset-password/${token}`, { newPassword: 'password' });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain(`action="/reset-password/${token}"`);
    expect(pageData(html)).toMatchObject({
      page: 'reset-password',
      token,
      errors: { newPassword: 'This password is among the most common ones. Choose another.' },
    });
    expect(await opened(token)).toMatchObject({ status: 200 });
    expect(await logsIn(email, OLD)).toBe(true);
  });

  it('unlocks an account locked by failed sign-ins', async () => {
    const { email } = await signedUp();
    for (let i = 0; i < 3; i += 1) await logsIn(email, 'a wrong password 0');
    expect(await logsIn(email, OLD)).toBe(false);
    await askForLink(email);
    const token = await newestToken(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);
    await browser.post(`/reset-password/${token}`, { newPassword: NEW });
    expect(await logsIn(email, NEW)).toBe(true);
  });
});

describe('reset over the live socket', () => {
  it('signs in through a handoff, with the token sent in the submit', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);

    const handoff = await handoffFor(browser, 'reset-password', { newPassword: NEW, token });
    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/account');
    expect(await (await browser.fetch('/account')).text()).toContain('Your password was reset.');
    expect(await logsIn(email, NEW)).toBe(true);
  });

  it('goes to /forgot-password for a used link', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);
    await handoffFor(browser, 'reset-password', { newPassword: NEW, token });

    const handoff = await handoffFor(browser, 'reset-password', { newPassword: NEW, token });
    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/forgot-password');
    expect(await (await browser.fetch('/forgot-password')).text()).toContain(INVALID);
  });

  it('refuses a common password without using the link', async () => {
    const { email } = await signedUp();
    await askForLink(email);
    const token = await newestToken(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);
    const reply = await submitOverSocket(browser, 'reset-password', {
      newPassword: 'password',
      token,
    });
    expect(reply).toMatchObject({ type: 'refused', code: 'form.invalid' });
    expect(await opened(token)).toMatchObject({ status: 200 });
  });
});

describe('the email limits on /forgot-password', () => {
  it('answers 429 after 5 requests for one address, whether or not it has an account', async () => {
    // Made in the store, not by the sign-up form, whose confirmation email counts too.
    const email = 'counted-resets@example.com';
    await server.store.accounts.create(email, 'a hash nobody checks');
    for (const address of [email, 'no-account-at-all@example.com']) {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await askForLink(address)).status);
      expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
    }
    expect(await mailTo(email)).toHaveLength(5);
  });
});
