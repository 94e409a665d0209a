/**
 * A password sign-in to an account with authenticator codes on: no handoff that signs in,
 * and no session, until the code (or a recovery code) is given at /login-code, over the
 * live socket or a plain post. The waiting sign-in is sealed, bound to the browser and
 * short-lived; wrong codes count against the failed sign-in limits before they are checked;
 * a code works once. The clock is injected; codes are computed from the page's secret.
 */
import { describe, expect, it } from 'vitest';
import { PENDING_SIGN_IN_MS } from '../../../server/session/pending-sign-in.ts';
import type { ServerMessage } from '../../../shared/protocol.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { BOTH_PATHS, PASSWORD, plainPost } from '../../helpers/outcomes.ts';
import { totpAt } from '../../helpers/two-factor.ts';
import { twoFactorAccounts } from '../../helpers/two-factor-account.ts';

const startAccount = twoFactorAccounts();

/** A server on a moving clock, with an account that has two-factor on, and a fresh browser. */
async function start(email: string, loginFailsPerAccount?: number) {
  const account = await startAccount(email, loginFailsPerAccount);
  const browser = new BrowserSession(account.server.url);
  await browser.fetch('/login');
  return { ...account, browser };
}

describe.each(BOTH_PATHS)('a password sign-in with two-factor on, over %s', (_name, step) => {
  it('signs in only once the authentication code is given', async () => {
    const { clock, secret, browser, email } = await start('two-step@example.com');

    const password = await step(browser, 'login', { email, password: PASSWORD });

    expect(password.status).toBe(303);
    expect(password.headers.get('location')).toBe('/login-code');
    expect(browser.cookies.has('baton.sid')).toBe(false);
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    const page = await browser.fetch('/login-code');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('>Authentication code<');
    expect(html).toContain('autocomplete="one-time-code"');

    const code = await step(browser, 'login-code', { code: totpAt(secret, clock.now()) });

    expect(code.headers.get('location')).toBe('/account');
    expect(browser.cookies.has('baton.sid')).toBe(true);
    expect(browser.cookies.has('baton.pending')).toBe(false);
    const account = pageData(await (await browser.fetch('/account')).text());
    expect(account).toMatchObject({
      page: 'account',
      email,
      flash: [{ kind: 'info', text: 'Welcome back! You are signed in.' }],
    });
  });

  it('refuses a replayed code', async () => {
    const { clock, secret, browser, email, server } = await start('replay@example.com');
    const code = totpAt(secret, clock.now());
    await step(browser, 'login', { email, password: PASSWORD });
    await step(browser, 'login-code', { code });
    // Another browser that saw the code (over a shoulder) and has the password.
    const thief = new BrowserSession(server.url);
    await thief.fetch('/login');
    await step(thief, 'login', { email, password: PASSWORD });

    const replayed = await refusedCode(thief, code);

    expect(replayed).toMatchObject({
      code: 'two-factor.code-used',
      errors: { code: 'That code was already used. Wait for the next one in your app.' },
    });
    expect(thief.cookies.has('baton.sid')).toBe(false);
  });

  it('takes a recovery code once only', async () => {
    const { recoveryCodes, browser, email, server } = await start('recovery@example.com');
    const [recovery = ''] = recoveryCodes;
    await step(browser, 'login', { email, password: PASSWORD });

    const used = await step(browser, 'login-code', { code: recovery.toLowerCase() });

    expect(used.headers.get('location')).toBe('/account');
    const account = pageData(await (await browser.fetch('/account')).text());
    expect(account.flash).toContainEqual({
      kind: 'notice',
      text: 'You signed in with a recovery code. You have 9 recovery codes left; get new ones under Two-factor.',
    });
    const again = new BrowserSession(server.url);
    await again.fetch('/login');
    await step(again, 'login', { email, password: PASSWORD });
    expect(await refusedCode(again, recovery)).toMatchObject({ code: 'two-factor.wrong-code' });
  });
});

/** Submits a code that must be refused, over the live socket and then as a plain post. */
async function refusedCode(browser: BrowserSession, code: string) {
  const reply: ServerMessage = await submitOverSocket(browser, 'login-code', { code });
  if (reply.type !== 'refused') throw new Error(`expected refused, got ${JSON.stringify(reply)}`);
  const posted = await browser.post('/login-code', { code });
  expect(posted.status).toBe(422);
  const page = pageData(await posted.text());
  expect(page).toMatchObject({ page: 'login-code', formError: { code: reply.code } });
  return reply;
}

describe('a wrong authentication code', () => {
  it('is refused beside its field, and counted as a failed sign-in before it is checked', async () => {
    const { clock, secret, browser, email } = await start('wrong-code@example.com', 4);
    await plainPost(browser, 'login', { email, password: PASSWORD });
    const right = totpAt(secret, clock.now());
    const wrong = right === '000000' ? '111111' : '000000';

    const live = await submitOverSocket(browser, 'login-code', { code: wrong });
    expect(live).toMatchObject({
      type: 'refused',
      code: 'two-factor.wrong-code',
      message: 'That code did not work.',
      errors: { code: 'That code is not right. Check your authenticator app and try again.' },
    });
    // The password (1) and three wrong codes (2 to 4) use up the account's 4 attempts.
    expect((await browser.post('/login-code', { code: wrong })).status).toBe(422);
    expect((await browser.post('/login-code', { code: wrong })).status).toBe(422);

    const limited = await browser.post('/login-code', { code: right });

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(browser.cookies.has('baton.sid')).toBe(false);
  });

  it('is not forgotten by giving the password again: the count clears only after a right code', async () => {
    const { clock, secret, browser, email } = await start('count-stays@example.com', 4);
    const wrong = totpAt(secret, clock.now()) === '000000' ? '111111' : '000000';
    await plainPost(browser, 'login', { email, password: PASSWORD }); // 1
    await browser.post('/login-code', { code: wrong }); // 2
    await plainPost(browser, 'login', { email, password: PASSWORD }); // 3
    await browser.post('/login-code', { code: wrong }); // 4

    const over = await plainPost(browser, 'login', { email, password: PASSWORD });

    expect(over.status).toBe(429);
  });
});

describe('the waiting sign-in', () => {
  it('is needed for /login-code: without one, the page and its post send the person to /login', async () => {
    const { clock, secret, server } = await start('no-pending@example.com');
    const stranger = new BrowserSession(server.url);

    const page = await stranger.fetch('/login-code');
    expect(page.headers.get('location')).toBe('/login');
    const login = pageData(await (await stranger.fetch('/login')).text());
    expect(login.flash).toEqual([
      { kind: 'notice', text: 'Log in with your email and password first.' },
    ]);
    const posted = await stranger.post('/login-code', { code: totpAt(secret, clock.now()) });
    expect(posted.headers.get('location')).toBe('/login');
    expect(stranger.cookies.has('baton.sid')).toBe(false);
    const live = await submitOverSocket(stranger, 'login-code', { code: '123456' });
    expect(live).toMatchObject({ type: 'refused', code: 'sign-in.expired' });
  });

  it('is bound to the browser that gave the password', async () => {
    const { clock, secret, browser, email, server } = await start('bound@example.com');
    await plainPost(browser, 'login', { email, password: PASSWORD });
    // The pending cookie, copied into a browser with a binding of its own.
    const other = new BrowserSession(server.url);
    await other.fetch('/login');
    other.cookies.set('baton.pending', browser.cookies.get('baton.pending') ?? '');

    const posted = await other.post('/login-code', { code: totpAt(secret, clock.now()) });

    expect(posted.headers.get('location')).toBe('/login');
    expect(other.cookies.has('baton.sid')).toBe(false);
  });

  it('expires after a few minutes', async () => {
    const { clock, secret, browser, email } = await start('slow@example.com');
    await plainPost(browser, 'login', { email, password: PASSWORD });
    clock.advance(PENDING_SIGN_IN_MS);

    const posted = await browser.post('/login-code', { code: totpAt(secret, clock.now()) });

    expect(posted.headers.get('location')).toBe('/login');
    expect(browser.cookies.has('baton.sid')).toBe(false);
  });

  it('is void once the password changes', async () => {
    const { clock, secret, browser, email, server } = await start('changed@example.com');
    await plainPost(browser, 'login', { email, password: PASSWORD });
    const account = await server.store.accounts.findByEmail(email);
    await server.store.accounts.changePassword(account?.id ?? '', 'plain:another');

    const live = await submitOverSocket(browser, 'login-code', {
      code: totpAt(secret, clock.now()),
    });

    expect(live).toMatchObject({ type: 'refused', code: 'sign-in.expired' });
  });

  it('cannot be had by a handoff for another browser', async () => {
    const { browser, email, server } = await start('handoff-bound@example.com');
    const reply = await submitOverSocket(browser, 'login', { email, password: PASSWORD });
    if (reply.type !== 'accepted') throw new Error('expected a handoff');
    const other = new BrowserSession(server.url);
    await other.fetch('/login');

    const redeemed = await other.post('/handoff', { handoff: reply.handoff });

    expect(redeemed.headers.get('location')).toBe('/login');
    expect(other.cookies.has('baton.pending')).toBe(false);
  });
});

describe('turning two-factor off', () => {
  it('lets the password alone sign in again', async () => {
    const { browser, email, server } = await start('off-again@example.com');
    const account = await server.store.accounts.findByEmail(email);
    await server.store.twoFactor.disable(account?.id ?? '');

    const response = await plainPost(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
  });
});
