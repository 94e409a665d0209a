/**
 * Recovery sign-ins to an account with authenticator codes on: a password reset link and a
 * sign-in link each do their own work (the reset changes the password and ends every
 * session; the sign-in link confirms the email), then wait for the code at /login-code as a
 * password sign-in does, over the live socket and the plain post. No session until the
 * right code; a wrong one is refused; a link buys no fresh guesses at the code. The clock
 * is injected; codes are computed from the page's secret.
 */
import { describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import type { Fields } from '../../../shared/protocol.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { pageData } from '../../helpers/live-forms.ts';
import { overSocket, PASSWORD } from '../../helpers/outcomes.ts';
import type { RunningServer } from '../../helpers/start-server.ts';
import { totpAt } from '../../helpers/two-factor.ts';
import { twoFactorAccounts } from '../../helpers/two-factor-account.ts';

const NEW = 'a brand new password 2';

/** A server on a moving clock, with a signed-in account that has two-factor on. */
const start = twoFactorAccounts();

/** Asks for a link at `page` (/forgot-password or /login-link) and returns its token. */
async function linkFor(running: RunningServer, page: string, email: string): Promise<string> {
  const asker = new BrowserSession(running.url);
  await asker.fetch(page);
  await asker.post(page, { email });
  await running.baton.mailer.idle();
  const all = (await (await fetch(`${running.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  const token = new RegExp(
    `${page === '/forgot-password' ? '/reset-password' : page}/([\\w-]+)`,
  ).exec(all.find((mail) => mail.to === email)?.text ?? '')?.[1];
  if (!token) throw new Error(`no link was mailed from ${page}`);
  return token;
}

/** Submits a form in `browser` (which has its page open) and follows it to a response. */
type Submit = (
  browser: BrowserSession,
  form: 'reset-password' | 'use-login-link' | 'login-code',
  fields: Fields,
) => Promise<Response>;

const ACTIONS = {
  'reset-password': '/reset-password',
  'use-login-link': '/login-link',
  'login-code': '/login-code',
} as const;

const plain: Submit = (browser, form, { token, ...fields }) =>
  browser.post(
    token ? `${ACTIONS[form]}/${token}` : ACTIONS[form],
    fields as Record<string, string>,
  );

describe.each([
  ['the live socket', overSocket],
  ['the plain post', plain],
])('recovery with two-factor on, over %s', (_name, submit) => {
  it('resets the password, ends every session, then waits for the code before signing in', async () => {
    const { clock, server, secret, owner, email } = await start('reset-2fa@example.com');
    const token = await linkFor(server, '/forgot-password', email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/reset-password/${token}`);

    const reset = await submit(browser, 'reset-password', { newPassword: NEW, token });

    expect(reset.headers.get('location')).toBe('/login-code');
    // The code's page says what already happened.
    const codePage = pageData(await (await browser.fetch('/login-code')).text());
    expect(codePage).toMatchObject({
      page: 'login-code',
      flash: [{ kind: 'info', text: 'Your password was reset.' }],
    });

    expect(browser.cookies.has('baton.sid')).toBe(false);
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    // The reset's own effects happened: the old session ended, the new password is the one.
    expect((await owner.fetch('/account')).headers.get('location')).toBe('/login');
    const withOld = await new BrowserSession(server.url).post('/login', {
      email,
      password: PASSWORD,
    });
    expect(withOld.status).toBe(422);

    const right = totpAt(secret, clock.now());
    const wrong = await plain(browser, 'login-code', {
      code: right === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(422);
    expect(browser.cookies.has('baton.sid')).toBe(false);

    const code = await submit(browser, 'login-code', { code: right });
    expect(code.headers.get('location')).toBe('/account');
    expect(pageData(await (await browser.fetch('/account')).text())).toMatchObject({
      page: 'account',
      email,
      flash: [{ kind: 'info', text: 'Welcome back! You are signed in.' }],
    });
  });

  it('uses a sign-in link, confirming the email, then waits for the code before signing in', async () => {
    const { clock, server, secret, email } = await start('link-2fa@example.com');
    const token = await linkFor(server, '/login-link', email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/login-link/${token}`);

    const used = await submit(browser, 'use-login-link', { token });

    expect(used.headers.get('location')).toBe('/login-code');
    expect(browser.cookies.has('baton.sid')).toBe(false);
    expect((await server.store.accounts.findByEmail(email))?.emailConfirmedAt).toBe(clock.now());
    // The link is used up: another browser cannot take it to the code step.
    const again = new BrowserSession(server.url);
    await again.fetch('/login');
    const replay = await again.post(`/login-link/${token}`, {});
    expect(replay.headers.get('location')).toBe('/login-link');

    const code = await submit(browser, 'login-code', { code: totpAt(secret, clock.now()) });
    expect(code.headers.get('location')).toBe('/account');
    expect(pageData(await (await browser.fetch('/account')).text())).toMatchObject({
      page: 'account',
      email,
      emailConfirmed: true,
    });
  });
});

describe('a sign-in link to an account locked by failed sign-ins', () => {
  it('buys no fresh guesses at the code: the code step stays locked', async () => {
    const { clock, server, secret, email } = await start('locked-2fa@example.com', 3);
    for (let i = 0; i < 3; i += 1) {
      await new BrowserSession(server.url).post('/login', { email, password: 'a wrong one 0' });
    }
    const token = await linkFor(server, '/login-link', email);
    const browser = new BrowserSession(server.url);
    await browser.fetch(`/login-link/${token}`);
    expect((await plain(browser, 'use-login-link', { token })).headers.get('location')).toBe(
      '/login-code',
    );

    const code = await plain(browser, 'login-code', { code: totpAt(secret, clock.now()) });
    expect(code.status).toBe(429);
    expect(browser.cookies.has('baton.sid')).toBe(false);
  });
});
