/**
 * Sign-in links (CONTRACT.md, "Account recovery and email"): asking for one at /login-link,
 * and logging in with it at /login-link/<token> by pressing "Log me in", over the plain post
 * and the live socket, with the link read back from the dev mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, pageData } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const PASSWORD = 'the password 1';
const SENT = 'If that email has an account, a sign-in link is on its way.';
const INVALID = 'That sign-in link is invalid or has expired.';
const MINUTE = 60_000;

let clock = Date.now();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    now: () => clock,
    // One client IP asks for every link here: only the per-address limit is under test.
    limits: { ...DEFAULT_LIMITS, emailsPerIp: 1000 },
  });
});
afterAll(() => server.stop());

let people = 0;
/** A new account with the password PASSWORD, signed in in the browser returned. */
async function signedUp(): Promise<{ browser: BrowserSession; email: string }> {
  people += 1;
  const email = `linked-${people}@example.com`;
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  expect((await browser.post('/signup', { email, password: PASSWORD })).status).toBe(303);
  return { browser, email };
}

async function mailTo(to: string): Promise<MailboxEntry[]> {
  await server.baton.mailer.idle();
  const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter((email) => email.to === to);
}

/** Asks for a sign-in link for `email` from a fresh browser; returns the token mailed, if any. */
async function linkFor(email: string): Promise<string> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/login-link');
  const response = await browser.post('/login-link', { email });
  expect(response.headers.get('location')).toBe('/login-link');
  expect(await (await browser.fetch('/login-link')).text()).toContain(SENT);
  // The newest sign-in link (a sign-in from a new browser also mails the account a notice).
  const newest = (await mailTo(email)).find((mail) => mail.subject === 'Sign in to Baton');
  const token = /\/login-link\/([A-Za-z0-9_-]+)/.exec(newest?.text ?? '')?.[1];
  if (!token) throw new Error(`no sign-in link was mailed to ${email}`);
  return token;
}

/** Opens the link and presses "Log me in" without JavaScript; resolves with where it went. */
async function logMeIn(token: string, browser = new BrowserSession(server.url)) {
  await browser.fetch(`/login-link/${token}`);
  const response = await browser.post(`/login-link/${token}`, {});
  return { browser, location: response.headers.get('location') };
}

describe('/login-link', () => {
  it('is linked from /login as "Email me a sign-in link" and asks for the email', async () => {
    const browser = new BrowserSession(server.url);
    expect(await (await browser.fetch('/login')).text()).toContain(
      '<a href="/login-link">Email me a sign-in link</a>',
    );
    const html = await (await browser.fetch('/login-link')).text();
    expect(html).toContain('action="/login-link"');
    expect(html).toContain('>Email<');
    expect(html).toContain('>Send sign-in link<');
  });

  it('mails a known address a link to /login-link/<token>, subject "Sign in to Baton"', async () => {
    const { email } = await signedUp();
    const token = await linkFor(email);
    const [mail, ...more] = await mailTo(email);
    // Older: the sign-up's confirmation email.
    expect(more.map((older) => older.subject)).toEqual(['Confirm your email for Baton']);
    expect(mail?.subject).toBe('Sign in to Baton');
    expect(mail?.text).toContain(`Log in to Baton:\n${server.origin}/login-link/${token}\n`);
    expect(mail?.html).toContain(`<a href="${server.origin}/login-link/${token}"`);
    expect(mail?.text).toContain('within 15 minutes');
  });

  it('says the same for an unknown address, and mails nothing', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login-link');
    const response = await browser.post('/login-link', { email: 'no-one@example.com' });
    expect(response.headers.get('location')).toBe('/login-link');
    expect(await (await browser.fetch('/login-link')).text()).toContain(SENT);
    expect(await mailTo('no-one@example.com')).toEqual([]);
  });

  it('answers 429 after 5 requests for one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const browser = new BrowserSession(server.url);
      await browser.fetch('/login-link');
      statuses.push((await browser.post('/login-link', { email: 'eager@example.com' })).status);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
  });
});

describe('/login-link/<token>', () => {
  it('opens on a "Log me in" button that posts to the link, and signs nobody in by itself', async () => {
    const { email } = await signedUp();
    const token = await linkFor(email);
    const browser = new BrowserSession(server.url);
    const response = await browser.fetch(`/login-link/${token}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`action="/login-link/${token}"`);
    expect(html).toContain('>Log me in<');
    expect(pageData(html)).toMatchObject({ page: 'use-login-link', token });
    // Opening it (a mail scanner would) used nothing up and signed nobody in.
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    expect((await new BrowserSession(server.url).fetch(`/login-link/${token}`)).status).toBe(200);
  });

  it('signs this browser in, once, with a new session id', async () => {
    const { email } = await signedUp();
    const token = await linkFor(email);
    const { browser, location } = await logMeIn(token);
    expect(location).toBe('/account');
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain(email);
    expect(account).toContain('Welcome back');

    const again = await logMeIn(token);
    expect(again.location).toBe('/login-link');
    expect(await (await again.browser.fetch('/login-link')).text()).toContain(INVALID);
    expect((await again.browser.fetch('/account')).headers.get('location')).toBe('/login');
  });

  it('signs in over the live socket through a handoff', async () => {
    const { email } = await signedUp();
    const token = await linkFor(email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/login-link/${token}`);
    const handoff = await handoffFor(browser, 'use-login-link', { token });
    expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
    expect(await (await browser.fetch('/account')).text()).toContain(email);
  });

  it('is dead after 15 minutes', async () => {
    const { email } = await signedUp();
    const token = await linkFor(email);
    clock += 15 * MINUTE;
    try {
      const opened = await new BrowserSession(server.url).fetch(`/login-link/${token}`);
      expect(opened.headers.get('location')).toBe('/login-link');
      expect((await logMeIn(token)).location).toBe('/login-link');
    } finally {
      clock -= 15 * MINUTE;
    }
  });

  it('is dead once the password changes', async () => {
    const { browser, email } = await signedUp();
    const token = await linkFor(email);
    await browser.post('/change-password', { password: PASSWORD, newPassword: 'another one 2' });
    expect((await logMeIn(token)).location).toBe('/login-link');
  });

  it('is no reset link, and a reset link is no sign-in link', async () => {
    const { email } = await signedUp();
    const token = await linkFor(email);
    const opened = await new BrowserSession(server.url).fetch(`/reset-password/${token}`);
    expect(opened.headers.get('location')).toBe('/forgot-password');
    expect((await logMeIn(token)).location).toBe('/account');
  });
});
