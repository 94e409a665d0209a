/**
 * Sudo mode: /confirm-password and the `confirm` outcome, which moves the session's time of
 * last authentication; and forms marked `recentAuth`, which need one within SUDO_MINUTES.
 * The clock is injected and moved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { FORMS } from '../../../shared/forms.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import {
  BOTH_PATHS,
  PASSWORD,
  refOf,
  sessionCookieLine,
  signedUp,
  storedSession,
  testClock,
} from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const MINUTE_MS = 60_000;
const SUDO_MS = 10 * MINUTE_MS;

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A server whose change-password form needs a recent authentication, on a moving clock. */
async function start() {
  const clock = testClock();
  const running = await startServer({
    now: clock.now,
    sudoMs: SUDO_MS,
    limits: { ...DEFAULT_LIMITS, loginFailsPerAccount: 3 },
    forms: { specs: { 'change-password': { ...FORMS['change-password'], recentAuth: true } } },
  });
  server = running;
  return { clock, server: running };
}

describe('the confirm-password page', () => {
  it('asks a signed-in person for their password, and sends a signed-out one to /login', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, 'confirm-page@example.com');

    const html = await (await browser.fetch('/confirm-password')).text();

    expect(html).toContain('<title>Confirm your password · Baton</title>');
    expect(html).toContain('>Password<');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).toContain('>Confirm</button>');
    const stranger = await new BrowserSession(server.url).fetch('/confirm-password');
    expect(stranger.headers.get('location')).toBe('/login');
  });
});

describe.each(BOTH_PATHS)('the confirm outcome over %s', (_path, submit) => {
  it('moves the time of last authentication to now, keeping the session and its id', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'confirmer@example.com');
    const id = browser.cookies.get('baton.sid');
    const signedInAt = (await storedSession(server.store, browser))?.signedInAt;
    clock.advance(20 * MINUTE_MS);

    const response = await submit(browser, 'confirm-password', { password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
    expect(browser.cookies.get('baton.sid')).toBe(id);
    expect(sessionCookieLine(response) ?? '').not.toMatch(/expires=/i);
    expect(await storedSession(server.store, browser)).toMatchObject({
      signedInAt,
      authAt: clock.now(),
    });
  });

  it('returns to the page that asked for it', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'returner@example.com');
    clock.advance(SUDO_MS + 1);

    const asked = await browser.fetch('/change-password');
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/confirm-password');
    const page = pageData(await (await browser.fetch('/confirm-password')).text());
    expect(page.flash).toEqual([{ kind: 'notice', text: 'Confirm your password to continue.' }]);

    const response = await submit(browser, 'confirm-password', { password: PASSWORD });

    expect(response.headers.get('location')).toBe('/change-password');
    expect((await browser.fetch('/change-password')).status).toBe(200);
  });
});

describe('a wrong password on /confirm-password', () => {
  it('is refused beside its field and counted as a failed sign-in', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, 'forgetful@example.com');
    const wrong = { password: 'not my password' };

    const refused = await submitOverSocket(browser, 'confirm-password', wrong);
    expect(refused).toMatchObject({
      type: 'refused',
      code: 'account.wrong-password',
      errors: { password: 'This is not your password.' },
    });
    expect((await browser.post('/confirm-password', wrong)).status).toBe(422);
    expect((await browser.post('/confirm-password', wrong)).status).toBe(422);
    expect((await browser.post('/confirm-password', { password: PASSWORD })).status).toBe(429);
  });
});

describe('a confirm handoff', () => {
  it('is refused once its session has ended, and brings no session back', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, 'ended-confirm@example.com');
    const ref = refOf(browser) ?? '';
    const handoff = await handoffFor(browser, 'confirm-password', { password: PASSWORD });
    // Signed out by another tab of the same browser, whose cookie jar it shares.
    const otherTab = new BrowserSession(server.url);
    for (const [name, value] of browser.cookies) otherTab.cookies.set(name, value);
    await otherTab.post('/logout', {});

    const response = await browser.post('/handoff', { handoff });

    expect(response.headers.get('location')).toBe('/login');
    expect(await server.store.sessions.get(ref)).toBeNull();
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toContainEqual({
      kind: 'error',
      text: 'That was started in a session that has since ended. Please log in again.',
    });
  });

  it('is refused after a password change, and used once only', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, 'stale-confirm@example.com');
    const first = await handoffFor(browser, 'confirm-password', { password: PASSWORD });
    const second = await handoffFor(browser, 'confirm-password', { password: PASSWORD });

    expect((await browser.post('/handoff', { handoff: first })).headers.get('location')).toBe(
      '/account',
    );
    expect((await browser.post('/handoff', { handoff: first })).headers.get('location')).toBe(
      '/login',
    );
    // The credentials move on, the session stays (as a store step alone would leave it).
    const account = await server.store.accounts.findByEmail('stale-confirm@example.com');
    await server.store.accounts.changePassword(account?.id ?? '', 'a new hash');
    expect((await browser.post('/handoff', { handoff: second })).headers.get('location')).toBe(
      '/login',
    );
    const page = pageData(await (await browser.fetch('/account')).text());
    expect(page.flash.map((flash) => flash.text)).toContain(
      'That sign-in was started before your password or account changed. Please log in again.',
    );
  });
});

describe('a form that needs a recent authentication', () => {
  it('opens within SUDO_MINUTES of the sign-in', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'recent@example.com');
    clock.advance(SUDO_MS);
    expect((await browser.fetch('/change-password')).status).toBe(200);
  });

  it('refuses a live submit after SUDO_MINUTES, saying to confirm', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'stale-live@example.com');
    clock.advance(SUDO_MS + 1);

    const reply = await submitOverSocket(browser, 'change-password', {
      password: PASSWORD,
      newPassword: 'a brand new password',
    });

    expect(reply).toMatchObject({
      type: 'refused',
      code: 'auth.recent-required',
      message: 'Confirm your password to continue.',
    });
  });

  it('sends a plain post after SUDO_MINUTES to /confirm-password and back, changing nothing', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'stale-post@example.com');
    clock.advance(SUDO_MS + 1);
    const change = { password: PASSWORD, newPassword: 'a brand new password' };

    const refused = await browser.post('/change-password', change);

    expect(refused.headers.get('location')).toBe('/confirm-password');
    const confirmed = await browser.post('/confirm-password', { password: PASSWORD });
    expect(confirmed.headers.get('location')).toBe('/change-password');
    const changed = await browser.post('/change-password', change);
    expect(changed.headers.get('location')).toBe('/account');
  });
});
