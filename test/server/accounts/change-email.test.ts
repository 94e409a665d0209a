/**
 * Changing the email (CONTRACT.md, "Account recovery and email"): asking at /change-email
 * with the new address and the current password, and moving the account from the link
 * mailed to the new address, /confirm-email/<token> ("Confirm new email"), over the plain
 * post and the live socket, with the links read back from the dev mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { cloneBrowser, handoffFor, pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const PASSWORD = 'the password 1';
const SENT = 'A link to confirm your new email is on its way.';
const CHANGED = 'Your email was changed.';
const INVALID = 'That email change link is invalid or has expired.';
const HOUR = 60 * 60_000;

let clock = Date.now();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    now: () => clock,
    // One client IP asks for every link here: only the per-address limit is under test.
    limits: { ...DEFAULT_LIMITS, loginFailsPerAccount: 3, emailsPerIp: 1000, signupsPerIp: 1000 },
  });
});
afterAll(() => server.stop());

let people = 0;
const freshAddress = () => {
  people += 1;
  return `mover-${people}@example.com`;
};

/** A new account with the password PASSWORD, signed in in the browser returned. */
async function signedUp(
  email = freshAddress(),
): Promise<{ browser: BrowserSession; email: string }> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  const response = await browser.post('/signup', { email, password: PASSWORD });
  expect(response.headers.get('location')).toBe('/account');
  await browser.fetch('/account'); // shows (and clears) the sign-up's welcome
  return { browser, email };
}

/** Another browser signed in to the account of `email`. */
async function alsoSignedIn(email: string): Promise<BrowserSession> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/login');
  const response = await browser.post('/login', { email, password: PASSWORD });
  expect(response.headers.get('location')).toBe('/account');
  await browser.fetch('/account');
  return browser;
}

/** The emails the dev mailbox holds for `to`, newest first, once the queue is idle. */
/**
 * The emails sent to `to`, newest first, but for the confirmation every sign-up sends and the
 * notices of sign-ins from new browsers: those belong to other flows (their own tests).
 */
async function mailTo(to: string): Promise<MailboxEntry[]> {
  await server.baton.mailer.idle();
  const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter(
    (email) =>
      email.to === to &&
      email.subject !== 'Confirm your email for Baton' &&
      !email.subject.startsWith('New sign-in from'),
  );
}

/** Asks, from `browser`, to move its account to `email`; resolves with the answer. */
async function askToMove(browser: BrowserSession, email: string, password = PASSWORD) {
  await browser.fetch('/change-email');
  return browser.post('/change-email', { email, password });
}

/** The token of the newest change link mailed to `to`. */
async function newestToken(to: string): Promise<string> {
  const [newest] = await mailTo(to);
  const token = /\/confirm-email\/([A-Za-z0-9_-]+)/.exec(newest?.text ?? '')?.[1];
  if (!token) throw new Error(`no email change link was mailed to ${to}`);
  return token;
}

/** A signed-in account and a link, mailed to a new address, that moves it there. */
async function withLink() {
  const { browser, email } = await signedUp();
  const next = freshAddress();
  expect((await askToMove(browser, next)).headers.get('location')).toBe('/change-email');
  return { browser, email, next, token: await newestToken(next) };
}

/** Presses "Confirm new email" without JavaScript; resolves with where it went. */
async function confirm(browser: BrowserSession, token: string): Promise<string | null> {
  const response = await browser.post(`/confirm-email/${token}`, {});
  return response.headers.get('location');
}

/** Whether `email` and PASSWORD log in, from a fresh browser. */
async function logsIn(email: string): Promise<boolean> {
  const browser = new BrowserSession(server.url);
  const response = await browser.post('/login', { email, password: PASSWORD });
  return response.headers.get('location') === '/account';
}

async function flashOn(browser: BrowserSession, path: string): Promise<string[]> {
  const page = pageData(await (await browser.fetch(path)).text());
  return 'flash' in page ? page.flash.map((flash) => flash.text) : [];
}

describe('the change-email page', () => {
  it('sends a signed-out visitor to /login', async () => {
    const response = await new BrowserSession(server.url).fetch('/change-email');
    expect(response.headers.get('location')).toBe('/login');
  });

  it('sends one whose sign-in is older than SUDO_MINUTES to /confirm-password, and back', async () => {
    const { browser } = await signedUp();
    clock += 10 * 60_000 + 1;

    const asked = await browser.fetch('/change-email');
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/confirm-password');
    const confirmed = await browser.post('/confirm-password', { password: PASSWORD });
    expect(confirmed.headers.get('location')).toBe('/change-email');
    expect((await browser.fetch('/change-email')).status).toBe(200);
  });

  it('asks a signed-in person for "New email" and "Current password", linked from /account', async () => {
    const { browser } = await signedUp();
    expect(await (await browser.fetch('/account')).text()).toContain(
      '<a href="/change-email">Change email</a>',
    );
    const response = await browser.fetch('/change-email');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>Change your email · Baton</title>');
    expect(html).toContain('action="/change-email"');
    expect(html).toContain('>New email<');
    expect(html).toContain('>Current password<');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).toContain('>Change email<');
  });
});

describe('POST /change-email', () => {
  it('mails the new address a link to /confirm-email/<token> and changes nothing yet', async () => {
    const { browser, email } = await signedUp();
    const next = freshAddress();

    const response = await askToMove(browser, next);

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/change-email');
    expect(await flashOn(browser, '/change-email')).toEqual([SENT]);
    const [mail, ...more] = await mailTo(next);
    expect(more).toEqual([]);
    const token = await newestToken(next);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail?.subject).toBe('Confirm your new email for Baton');
    expect(mail?.text).toContain(`Confirm new email:\n${server.origin}/confirm-email/${token}\n`);
    expect(mail?.html).toContain(`<a href="${server.origin}/confirm-email/${token}"`);
    expect(mail?.text).toContain('within 24 hours');
    expect(await mailTo(email)).toEqual([]);
    expect(await (await browser.fetch('/account')).text()).toContain(email);
    expect(await logsIn(email)).toBe(true);
    expect(await logsIn(next)).toBe(false);
  });

  it('answers the same for an address another account has, however written, and mails nothing', async () => {
    const { email: taken } = await signedUp();
    const { browser } = await signedUp();
    const free = freshAddress();
    const [user, domain] = taken.split('@') as [string, string];
    const answers = [];
    for (const address of [
      free,
      taken,
      ` ${user.toUpperCase()}@${domain} `,
      `${user}@ｅxample.com`,
    ]) {
      const response = await askToMove(browser, address);
      answers.push({
        status: response.status,
        location: response.headers.get('location'),
        flash: await flashOn(browser, '/change-email'),
      });
    }
    const same = { status: 303, location: '/change-email', flash: [SENT] };
    expect(answers).toEqual([same, same, same, same]);
    expect(await mailTo(free)).toHaveLength(1);
    expect(await mailTo(taken)).toEqual([]);
  });

  it('refuses its own address beside the field', async () => {
    const { browser, email } = await signedUp();
    const response = await askToMove(browser, email.toUpperCase());
    expect(response.status).toBe(422);
    expect(pageData(await response.text())).toMatchObject({
      errors: { email: 'This is already your email. Enter the new one.' },
      formError: { code: 'form.invalid' },
    });
    expect(await mailTo(email)).toEqual([]);
  });

  it('refuses invisible characters and addresses of the wrong shape', async () => {
    const { browser } = await signedUp();
    const cases: Array<[string, string]> = [
      ['new\u200b@example.com', 'Remove the invisible characters from this email address.'],
      ['not-an-address', 'Enter an email address like name@example.com.'],
      ['', 'Enter your email address.'],
    ];
    for (const [email, message] of cases) {
      const response = await askToMove(browser, email);
      expect(response.status).toBe(422);
      expect(pageData(await response.text())).toMatchObject({ errors: { email: message } });
    }
  });

  it('refuses a wrong current password, mails nothing, and counts it as a failed sign-in', async () => {
    const { browser, email } = await signedUp();
    const next = freshAddress();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await askToMove(browser, next, `wrong guess ${attempt}`);
      expect(response.status).toBe(422);
      const html = await response.text();
      expect(pageData(html)).toMatchObject({
        errors: { password: 'This is not your current password.' },
        formError: { code: 'account.wrong-password' },
      });
      expect(html).not.toContain(`wrong guess ${attempt}`);
    }
    const limited = await askToMove(browser, next);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('Too many failed sign-ins.');
    expect(await mailTo(next)).toEqual([]);
    expect((await askToMove(browser, 'short', 'wrong')).status).toBe(429);
    expect(await mailTo(email)).toEqual([]);
  });

  it('counts many wrong passwords at once, over posts and the socket, before checking any', async () => {
    const { browser } = await signedUp();
    await browser.fetch('/change-email');
    const next = freshAddress();
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const fields = { email: next, password: `wrong guess ${i}` };
        if (i % 2) return (await browser.post('/change-email', fields)).status;
        const reply = await submitOverSocket(browser, 'change-email', fields);
        return reply.type === 'refused' && reply.code === 'rate.limited' ? 429 : 422;
      }),
    );
    // The per-account limit is 3 here: three are checked (and wrong), the rest never are.
    expect(statuses.filter((status) => status === 422)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    expect(await mailTo(next)).toEqual([]);
  });

  it('shows both errors when the address and the password are wrong', async () => {
    const { browser } = await signedUp();
    const response = await askToMove(browser, 'not-an-address', 'not my password');
    expect(pageData(await response.text())).toMatchObject({
      errors: {
        email: 'Enter an email address like name@example.com.',
        password: 'This is not your current password.',
      },
    });
  });

  it('answers 429 after 5 links for one new address, counted before sending', async () => {
    const next = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { browser } = await signedUp();
      statuses.push((await askToMove(browser, next)).status);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
    expect(await mailTo(next)).toHaveLength(5);
  });

  it('sends a signed-out post to /login, changing nothing', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const response = await browser.post('/change-email', {
      email: freshAddress(),
      password: PASSWORD,
    });
    expect(response.headers.get('location')).toBe('/login');
  });
});

describe('change-email over the live socket', () => {
  it('accepts with a handoff that brings the person back to the page with its message', async () => {
    const { browser } = await signedUp();
    const next = freshAddress();
    const handoff = await handoffFor(browser, 'change-email', { email: next, password: PASSWORD });
    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/change-email');
    expect(await flashOn(browser, '/change-email')).toEqual([SENT]);
    expect(await mailTo(next)).toHaveLength(1);
  });

  it('validates the new address as the person types', async () => {
    const { browser } = await signedUp();
    const live = await browser.openSocket();
    const reply = await live.request({
      type: 'validate',
      form: 'change-email',
      fields: { email: 'someone@', password: '' },
    });
    live.close();
    expect(reply).toEqual({
      type: 'validated',
      ref: 1,
      errors: {
        email: 'Enter an email address like name@example.com.',
        password: 'Enter your current password.',
      },
    });
  });
});

describe('/confirm-email/<token>', () => {
  it('opens on a "Confirm new email" button posting to the link, and changes nothing by itself', async () => {
    const { browser, email, next, token } = await withLink();
    const response = await browser.fetch(`/confirm-email/${token}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`action="/confirm-email/${token}"`);
    expect(html).toContain('>Confirm new email<');
    expect(pageData(html)).toMatchObject({
      page: 'confirm-email',
      token,
      intro: `Your account's email becomes ${next}: you will log in with it, and emails about your account will go there.`,
    });
    expect(await logsIn(email)).toBe(true);
    expect((await browser.fetch(`/confirm-email/${token}`)).status).toBe(200);
  });

  it('moves the account, renews the session id, says so once, and tells the old address', async () => {
    const { browser, email, next, token } = await withLink();
    await browser.fetch(`/confirm-email/${token}`);
    const before = browser.cookies.get('baton.sid');

    expect(await confirm(browser, token)).toBe('/account');

    expect(browser.cookies.get('baton.sid')).not.toBe(before);
    const account = await (await browser.fetch('/account')).text();
    expect(pageData(account)).toMatchObject({
      page: 'account',
      email: next,
      // The link reached the new address: it is confirmed too.
      emailConfirmed: true,
      flash: [{ text: CHANGED }],
    });
    expect(await flashOn(browser, '/account')).toEqual([]);
    expect(await logsIn(next)).toBe(true);
    expect(await logsIn(email)).toBe(false);
    const [notice, ...more] = await mailTo(email);
    expect(more).toEqual([]);
    expect(notice?.subject).toBe('Your email was changed');
    expect(notice?.text).toContain(`changed from ${email} to ${next}`);
    expect(notice?.text).toContain('If it was not you');
    expect(notice?.text).toContain(`${server.origin}/login\n`);
  });

  it('frees the old address: it can sign up again', async () => {
    const { browser, email, token } = await withLink();
    await confirm(browser, token);
    const newcomer = new BrowserSession(server.url);
    await newcomer.fetch('/signup');
    const response = await newcomer.post('/signup', { email, password: 'another password 3' });
    expect(response.headers.get('location')).toBe('/account');
  });

  it("ends the account's other sessions and closes their sockets, saying why", async () => {
    const { browser, email, token } = await withLink();
    const other = await alsoSignedIn(email);
    const socket = await other.openSocket();
    const stranger = await signedUp();
    const strangerSocket = await stranger.browser.openSocket();

    expect(await confirm(browser, token)).toBe('/account');

    expect(await socket.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect(await flashOn(other, '/login')).toEqual([
      'You were signed out because your email was changed. Log in again to continue.',
    ]);
    expect((await other.fetch('/account')).headers.get('location')).toBe('/login');
    expect((await browser.fetch('/account')).status).toBe(200);
    expect((await stranger.browser.fetch('/account')).status).toBe(200);
    expect(strangerSocket.messages).toEqual([]);
    strangerSocket.close();
  });

  it('works once: the link is dead afterwards', async () => {
    const { browser, token } = await withLink();
    expect(await confirm(browser, token)).toBe('/account');
    expect(await confirm(browser, token)).toBe('/change-email');
    expect(await flashOn(browser, '/change-email')).toEqual([INVALID]);
    expect((await browser.fetch(`/confirm-email/${token}`)).headers.get('location')).toBe(
      '/change-email',
    );
  });

  it('lets exactly one of many submits of one link through, over posts and the socket at once', async () => {
    const { browser, next, token } = await withLink();
    const tabs = Array.from({ length: 6 }, () => cloneBrowser(browser));
    const outcomes = await Promise.all(
      tabs.map(async (tab, i) => {
        if (i % 2) return confirm(tab, token);
        const live = await tab.openSocket();
        // The winner replaces the session the tabs share, which closes their sockets: a
        // socket may close before it answers.
        const reply = await Promise.race([
          live.request({ type: 'submit', form: 'confirm-email', fields: { token } }),
          live.closed.then(() => ({ type: 'closed' }) as const),
        ]);
        live.close();
        if (reply.type !== 'accepted') return reply.type;
        return (await tab.post('/handoff', { handoff: reply.handoff })).headers.get('location');
      }),
    );
    // The others find the link used, or (once the winner replaced the session they share)
    // no session at all: none moves the account again.
    expect(outcomes.filter((to) => to === '/account')).toHaveLength(1);
    expect((await server.store.accounts.findByEmail(next))?.credentialVersion).toBe(1);
  });

  it('asks a signed-out visitor to log in first, then comes back to the link', async () => {
    const { browser, email, next, token } = await withLink();
    await browser.post('/logout', {});

    const opened = await browser.fetch(`/confirm-email/${token}`);
    expect(opened.headers.get('location')).toBe('/login');
    expect(await flashOn(browser, '/login')).toEqual(['You must log in to see that page.']);
    const login = await browser.post('/login', { email, password: PASSWORD });
    expect(login.headers.get('location')).toBe(`/confirm-email/${token}`);
    expect((await browser.fetch(`/confirm-email/${token}`)).status).toBe(200);
    expect(await confirm(browser, token)).toBe('/account');
    expect(await logsIn(next)).toBe(true);
  });

  it('comes back to the link after a live sign-in too', async () => {
    const { browser, email, token } = await withLink();
    await browser.post('/logout', {});
    await browser.fetch(`/confirm-email/${token}`);
    const handoff = await handoffFor(browser, 'login', { email, password: PASSWORD });
    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe(`/confirm-email/${token}`);
  });

  it('sends a signed-out press of the button to /login, and back to the link', async () => {
    const { browser, email, token } = await withLink();
    await browser.post('/logout', {});
    expect(await confirm(browser, token)).toBe('/login');
    const login = await browser.post('/login', { email, password: PASSWORD });
    expect(login.headers.get('location')).toBe(`/confirm-email/${token}`);
  });

  it('is dead for another account, and stays good for its own', async () => {
    const { browser, email, token } = await withLink();
    const { browser: stranger, email: strangerEmail } = await signedUp();

    const opened = await stranger.fetch(`/confirm-email/${token}`);
    expect(opened.headers.get('location')).toBe('/change-email');
    expect(await flashOn(stranger, '/change-email')).toEqual([INVALID]);
    expect(await confirm(stranger, token)).toBe('/change-email');
    expect(await logsIn(strangerEmail)).toBe(true);

    expect(await confirm(browser, token)).toBe('/account');
    expect(await logsIn(email)).toBe(false);
  });

  it('is dead after 24 hours', async () => {
    const { email, token } = await withLink();
    clock += 24 * HOUR;
    try {
      // Signed in again: the session the link was asked from has timed out too.
      const browser = await alsoSignedIn(email);
      expect((await browser.fetch(`/confirm-email/${token}`)).headers.get('location')).toBe(
        '/change-email',
      );
      expect(await confirm(browser, token)).toBe('/change-email');
    } finally {
      clock -= 24 * HOUR;
    }
  });

  it('is dead once the password changes', async () => {
    const { browser, token } = await withLink();
    await browser.post('/change-password', { password: PASSWORD, newPassword: 'another one 2' });
    expect(await confirm(browser, token)).toBe('/change-email');
  });

  it('kills the other links of the account once one is used', async () => {
    const { browser, token } = await withLink();
    const elsewhere = freshAddress();
    await askToMove(browser, elsewhere);
    const second = await newestToken(elsewhere);

    expect(await confirm(browser, second)).toBe('/account');
    expect(await confirm(browser, token)).toBe('/change-email');
    expect(await logsIn(elsewhere)).toBe(true);
  });

  it('changes nothing when another account took the address since, and says so', async () => {
    const { browser, email, next, token } = await withLink();
    await signedUp(next);

    expect(await confirm(browser, token)).toBe('/change-email');

    expect(await flashOn(browser, '/change-email')).toEqual([
      'Another account now has that email, so yours was not changed.',
    ]);
    expect(await logsIn(email)).toBe(true);
  });

  it('is no other kind of link, and no other link is one', async () => {
    const { browser, token } = await withLink();
    const asReset = await new BrowserSession(server.url).fetch(`/reset-password/${token}`);
    expect(asReset.headers.get('location')).toBe('/forgot-password');
    const asLoginLink = await new BrowserSession(server.url).fetch(`/login-link/${token}`);
    expect(asLoginLink.headers.get('location')).toBe('/login-link');
    expect(await confirm(browser, token)).toBe('/account');
  });

  it('moves the account over the live socket, through a handoff', async () => {
    const { browser, next, token } = await withLink();
    await browser.fetch(`/confirm-email/${token}`);
    const handoff = await handoffFor(browser, 'confirm-email', { token });
    expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
    expect(pageData(await (await browser.fetch('/account')).text())).toMatchObject({
      email: next,
      flash: [{ text: CHANGED }],
    });
  });

  it('refuses a socket without a session', async () => {
    const { token } = await withLink();
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const reply = await submitOverSocket(browser, 'confirm-email', { token });
    expect(reply).toMatchObject({ type: 'refused', code: 'auth.required' });
  });
});
