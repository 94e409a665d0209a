/**
 * Email confirmation (CONTRACT.md, "Account recovery and email"): the email sign-up sends,
 * its `/confirm/<token>` page and "Confirm my account" post (signed in or out, over the
 * plain post and the live socket), the account page's "Confirm your email" and "Resend
 * confirmation email", the email limits on both, and a sign-in link confirming too. Links
 * are read back from the dev mailbox; the clock is injected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const PASSWORD = 'the password 1';
const SUBJECT = 'Confirm your email for Baton';
const CONFIRMED = 'Your email is confirmed.';
const INVALID = 'That confirmation link is invalid or has expired.';
const RESENT = 'A new confirmation link is on its way. It works for 7 days.';
const DAY = 24 * 60 * 60_000;

let clock = Date.now();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    now: () => clock,
    // One client IP signs everyone up here: only the per-address limit is under test.
    limits: { ...DEFAULT_LIMITS, emailsPerIp: 10_000, signupsPerIp: 10_000 },
  });
});
afterAll(() => server.stop());

let people = 0;
/** A new account, signed in in the browser returned (its welcome already shown). */
async function signedUp(): Promise<{ browser: BrowserSession; email: string }> {
  people += 1;
  const email = `confirming-${people}@example.com`;
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  const response = await browser.post('/signup', { email, password: PASSWORD });
  expect(response.headers.get('location')).toBe('/account');
  await browser.fetch('/account');
  return { browser, email };
}

/** The emails the dev mailbox holds for `to`, newest first, once the queue is idle. */
async function mailTo(to: string): Promise<MailboxEntry[]> {
  await server.baton.mailer.idle();
  const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter((email) => email.to === to);
}

/** The token of the newest confirmation link mailed to `email`. */
async function newestToken(email: string): Promise<string> {
  const [newest] = (await mailTo(email)).filter((mail) => mail.subject === SUBJECT);
  const token = /\/confirm\/([A-Za-z0-9_-]+)/.exec(newest?.text ?? '')?.[1];
  if (!token) throw new Error(`no confirmation link was mailed to ${email}`);
  return token;
}

/** The account page's data as `browser` sees it. */
async function accountPage(browser: BrowserSession) {
  const data = pageData(await (await browser.fetch('/account')).text());
  if (data.page !== 'account') throw new Error(`expected the account page, got ${data.page}`);
  return data;
}

/** Where `response` sends `browser`, and what the page there says (one redirect followed). */
async function follow(browser: BrowserSession, response: Response) {
  const location = response.headers.get('location');
  const says = location ? await (await browser.fetch(location)).text() : await response.text();
  return { status: response.status, location, says };
}

/** Presses "Confirm my account" without JavaScript, after opening the link. */
async function confirmPlain(token: string, browser = new BrowserSession(server.url)) {
  await browser.fetch(`/confirm/${token}`);
  return follow(browser, await browser.post(`/confirm/${token}`, {}));
}

describe('sign-up', () => {
  it('mails a "Confirm" email with an absolute /confirm/<token> link, good for 7 days', async () => {
    const { email } = await signedUp();
    const [mail, ...more] = await mailTo(email);
    expect(more).toEqual([]);
    expect(mail?.subject).toBe(SUBJECT);
    const token = await newestToken(email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail?.text).toContain(`Confirm my account:\n${server.origin}/confirm/${token}\n`);
    expect(mail?.html).toContain(`<a href="${server.origin}/confirm/${token}"`);
    expect(mail?.text).toContain('within 7 days');
  });

  it('leaves the account unconfirmed: /account says "Confirm your email" with a "Resend confirmation email" post', async () => {
    const { browser } = await signedUp();
    const html = await (await browser.fetch('/account')).text();
    expect(pageData(html)).toMatchObject({ page: 'account', emailConfirmed: false });
    expect(html).toContain('>Confirm your email<');
    expect(html).toContain('action="/account/confirmation"');
    expect(html).toContain('>Resend confirmation email<');
  });

  it('still signs the person in when the address’s email allowance is spent, and mails nothing', async () => {
    const email = 'spent-before-signup@example.com';
    for (let i = 0; i < 5; i += 1) {
      const asker = new BrowserSession(server.url);
      await asker.fetch('/forgot-password');
      expect((await asker.post('/forgot-password', { email })).status).toBe(303);
    }
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    const response = await browser.post('/signup', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    expect(await accountPage(browser)).toMatchObject({ email, emailConfirmed: false });
    expect(await mailTo(email)).toEqual([]);
  });
});

describe('/confirm/<token>', () => {
  it('opens on a "Confirm my account" button posting to the link, and confirms nothing by itself', async () => {
    const { browser, email } = await signedUp();
    const token = await newestToken(email);
    const response = await new BrowserSession(server.url).fetch(`/confirm/${token}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`action="/confirm/${token}"`);
    expect(html).toContain('>Confirm my account<');
    expect(pageData(html)).toMatchObject({
      page: 'confirm',
      token,
      spec: { intro: 'This confirms that the address this link was sent to is yours.' },
    });
    expect(html).toContain(
      'class="form-intro">This confirms that the address this link was sent to is yours.</p>',
    );
    expect(await accountPage(browser)).toMatchObject({ emailConfirmed: false });
    // Signed in, the same page opens.
    expect((await browser.fetch(`/confirm/${token}`)).status).toBe(200);
  });

  it('confirms the email signed in, landing on /account with "Your email is confirmed." once', async () => {
    const { browser, email } = await signedUp();
    const token = await newestToken(email);

    const { status, location, says } = await confirmPlain(token, browser);
    expect(status).toBe(303);
    expect(location).toBe('/account');
    expect(says).toContain(CONFIRMED);
    expect(says).not.toContain('Resend confirmation email');
    const again = await accountPage(browser);
    expect(again).toMatchObject({ emailConfirmed: true, flash: [] });
    expect((await server.store.accounts.findByEmail(email))?.emailConfirmedAt).toBe(clock);
  });

  it('confirms the email signed out, landing on /login with "Your email is confirmed.", signing nobody in', async () => {
    const { browser: owner, email } = await signedUp();
    const token = await newestToken(email);
    const stranger = new BrowserSession(server.url);

    const { location, says } = await confirmPlain(token, stranger);
    expect(location).toBe('/login');
    expect(says).toContain(CONFIRMED);
    expect((await stranger.fetch('/account')).headers.get('location')).toBe('/login');
    expect(await accountPage(owner)).toMatchObject({ emailConfirmed: true });
  });

  it('confirms over the live socket through a handoff, the token sent with the submit', async () => {
    const { browser, email } = await signedUp();
    const token = await newestToken(email);
    await browser.fetch(`/confirm/${token}`);
    const handoff = await handoffFor(browser, 'confirm', { token });
    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/account');
    const html = await (await browser.fetch('/account')).text();
    expect(html).toContain(CONFIRMED);
    expect(pageData(html)).toMatchObject({ emailConfirmed: true });
  });

  it('works once: the link used goes to /login saying it is invalid, opened or posted', async () => {
    const { email } = await signedUp();
    const token = await newestToken(email);
    expect((await confirmPlain(token)).says).toContain(CONFIRMED);

    const browser = new BrowserSession(server.url);
    const opened = await follow(browser, await browser.fetch(`/confirm/${token}`));
    expect(opened).toMatchObject({ status: 303, location: '/login' });
    expect(opened.says).toContain(INVALID);

    const posted = new BrowserSession(server.url);
    await posted.fetch('/login');
    const response = await posted.post(`/confirm/${token}`, {});
    expect(response.headers.get('location')).toBe('/login');
    expect(await (await posted.fetch('/login')).text()).toContain(INVALID);
  });

  it('sends a signed-in visitor of a dead link to /account, saying so there', async () => {
    const { browser } = await signedUp();
    const opened = await browser.fetch(`/confirm/${'A'.repeat(43)}`);
    expect(opened.headers.get('location')).toBe('/login');
    const login = await browser.fetch('/login');
    expect(login.headers.get('location')).toBe('/account');
    const account = await accountPage(browser);
    expect(account.flash).toEqual([{ kind: 'error', text: INVALID }]);
    expect(account.emailConfirmed).toBe(false);
  });

  it('is dead after 7 days', async () => {
    const { browser, email } = await signedUp();
    const token = await newestToken(email);
    clock += 7 * DAY;
    try {
      const opened = await new BrowserSession(server.url).fetch(`/confirm/${token}`);
      expect(opened.headers.get('location')).toBe('/login');
      expect((await confirmPlain(token)).says).toContain(INVALID);
      expect((await server.store.accounts.findByEmail(email))?.emailConfirmedAt).toBeNull();
    } finally {
      clock -= 7 * DAY;
    }
    expect(await accountPage(browser)).toMatchObject({ emailConfirmed: false });
  });

  it('is dead once the password changes', async () => {
    const { browser, email } = await signedUp();
    const token = await newestToken(email);
    await browser.post('/change-password', { password: PASSWORD, newPassword: 'another one 2' });
    expect((await confirmPlain(token)).says).toContain(INVALID);
    expect(await accountPage(browser)).toMatchObject({ emailConfirmed: false });
  });

  it('is no sign-in or reset link, and a sign-in link is no confirmation link', async () => {
    const { email } = await signedUp();
    const token = await newestToken(email);
    const asLogin = await new BrowserSession(server.url).fetch(`/login-link/${token}`);
    expect(asLogin.headers.get('location')).toBe('/login-link');
    const asReset = await new BrowserSession(server.url).fetch(`/reset-password/${token}`);
    expect(asReset.headers.get('location')).toBe('/forgot-password');
    expect((await confirmPlain(token)).says).toContain(CONFIRMED);
  });

  it('confirms exactly once of many submits at once, over the socket and the plain post', async () => {
    const { browser: owner, email } = await signedUp();
    const token = await newestToken(email);
    // Every browser opens the link first (so each has its binding), then all submit at once.
    const browsers = Array.from({ length: 8 }, () => new BrowserSession(server.url));
    for (const browser of browsers) await browser.fetch(`/confirm/${token}`);
    const attempts = browsers.map(async (browser, i) => {
      if (i % 2 === 0)
        return (await follow(browser, await browser.post(`/confirm/${token}`, {}))).says;
      const reply = await submitOverSocket(browser, 'confirm', { token });
      if (reply.type !== 'accepted') throw new Error(`expected accepted, got ${reply.type}`);
      return follow(browser, await browser.post('/handoff', { handoff: reply.handoff })).then(
        (page) => page.says,
      );
    });
    const pages = await Promise.all(attempts);
    expect(pages.filter((says) => says.includes(CONFIRMED))).toHaveLength(1);
    expect(pages.filter((says) => says.includes(INVALID))).toHaveLength(7);
    expect(await accountPage(owner)).toMatchObject({ emailConfirmed: true });
  });
});

describe('POST /account/confirmation ("Resend confirmation email")', () => {
  it('mails a new link, says so on /account, and either link confirms', async () => {
    const { browser, email } = await signedUp();
    const first = await newestToken(email);

    const response = await browser.post('/account/confirmation', {});
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
    expect((await accountPage(browser)).flash).toEqual([{ kind: 'info', text: RESENT }]);
    const second = await newestToken(email);
    expect(second).not.toBe(first);
    expect((await mailTo(email)).map((mail) => mail.subject)).toEqual([SUBJECT, SUBJECT]);

    expect((await confirmPlain(second, browser)).says).toContain(CONFIRMED);
    // The older link still names the address: using it too changes nothing but itself.
    expect((await confirmPlain(first, browser)).says).toContain(CONFIRMED);
  });

  it('mails nothing once the email is confirmed, and says so', async () => {
    const { browser, email } = await signedUp();
    await confirmPlain(await newestToken(email), browser);

    const response = await browser.post('/account/confirmation', {});
    expect(response.headers.get('location')).toBe('/account');
    expect((await accountPage(browser)).flash).toEqual([
      { kind: 'info', text: 'Your email is already confirmed.' },
    ]);
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('sends a signed-out browser to /login and mails nothing', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const response = await browser.post('/account/confirmation', {});
    expect(response.headers.get('location')).toBe('/login');
  });

  it('is refused from another site', async () => {
    const { browser, email } = await signedUp();
    const response = await fetch(`${server.url}/account/confirmation`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: browser.cookieHeader(),
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    });
    expect(response.status).toBe(403);
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('answers 429 with Retry-After past 5 emails an hour for the address, the sign-up’s counted', async () => {
    const { browser, email } = await signedUp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await browser.post('/account/confirmation', {})).status);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 429]);
    const refused = await browser.post('/account/confirmation', {});
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = pageData(await refused.text());
    expect(page).toMatchObject({ page: 'account', emailConfirmed: false });
    expect(page.flash).toEqual([
      { kind: 'error', text: expect.stringMatching(/^Too many emails asked for\. Try again in /) },
    ]);
    expect(await mailTo(email)).toHaveLength(5);
  });

  it('mails exactly the allowance left when many resends arrive at once', async () => {
    const { browser, email } = await signedUp();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () =>
        browser.post('/account/confirmation', {}).then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 303)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(8);
    expect(await mailTo(email)).toHaveLength(5);
  });
});

describe('a sign-in link', () => {
  it('confirms the email it was sent to', async () => {
    const { email } = await signedUp();
    const asker = new BrowserSession(server.url);
    await asker.fetch('/login-link');
    await asker.post('/login-link', { email });
    const [mail] = await mailTo(email);
    const token = /\/login-link\/([\w-]+)/.exec(mail?.text ?? '')?.[1];
    expect(token).toBeDefined();

    const browser = new BrowserSession(server.url);
    await browser.fetch(`/login-link/${token}`);
    const response = await browser.post(`/login-link/${token}`, {});
    expect(response.headers.get('location')).toBe('/account');
    expect(await accountPage(browser)).toMatchObject({ email, emailConfirmed: true });
  });
});
