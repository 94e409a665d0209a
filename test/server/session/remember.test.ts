/**
 * "Remember me" sessions live by REMEMBER_DAYS (idle and absolute), other sessions by
 * SESSION_IDLE_MINUTES / SESSION_ABSOLUTE_HOURS; the clock is injected and moved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BrowserSession } from '../../helpers/browser-session.ts';
import {
  BOTH_PATHS,
  PASSWORD,
  type Submit,
  sessionCookieLine,
  signedUp,
  storedSession,
  testClock,
} from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TIMEOUTS = { idleMs: 30 * 60_000, absoluteMs: 12 * HOUR_MS, rememberMs: 3 * DAY_MS };

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start() {
  const clock = testClock();
  server = await startServer({
    now: clock.now,
    timeouts: TIMEOUTS,
  });
  return { clock, url: server.url, store: server.store };
}

/** Logs `email` in from a new browser, with "Remember me" ticked when `remember`. */
async function loggedIn(
  url: string,
  submit: Submit,
  email: string,
  remember: boolean,
): Promise<{ browser: BrowserSession; response: Response }> {
  const browser = new BrowserSession(url);
  await browser.fetch('/login');
  const response = await submit(browser, 'login', {
    email,
    password: PASSWORD,
    ...(remember && { remember: 'on' }),
  });
  expect(response.headers.get('location')).toBe('/account');
  return { browser, response };
}

describe.each(BOTH_PATHS)('"Remember me", signed in over %s', (_path, submit) => {
  async function signedIn(url: string, email: string): Promise<BrowserSession> {
    await signedUp(url, email).then((b) => b.post('/logout', {}));
    return (await loggedIn(url, submit, email, email.startsWith('remember'))).browser;
  }

  it('ticked: sets a persistent session cookie that lasts REMEMBER_DAYS', async () => {
    const { url, store } = await start();
    await signedUp(url, 'ticked@example.com').then((b) => b.post('/logout', {}));

    // The cookie's date is written by the cookies library from the real clock (not Baton's),
    // at some moment of the sign-in: it lies between REMEMBER_DAYS from just before and just
    // after it, at a resolution of one second.
    const before = Date.now();
    const { browser, response } = await loggedIn(url, submit, 'ticked@example.com', true);
    const after = Date.now();

    const line = sessionCookieLine(response) ?? '';
    const expires = Date.parse(/expires=([^;]+)/i.exec(line)?.[1] ?? '');
    expect(expires).toBeGreaterThanOrEqual(Math.floor((before + 3 * DAY_MS) / 1000) * 1000);
    expect(expires).toBeLessThanOrEqual(after + 3 * DAY_MS);
    expect(line).toMatch(/httponly/i);
    expect(await storedSession(store, browser)).toMatchObject({ remember: true });
  });

  it('not ticked: sets a cookie that ends with the browser', async () => {
    const { url, store } = await start();
    await signedUp(url, 'unticked@example.com').then((b) => b.post('/logout', {}));

    const { browser, response } = await loggedIn(url, submit, 'unticked@example.com', false);

    const line = sessionCookieLine(response) ?? '';
    expect(line).not.toBe('');
    expect(line).not.toMatch(/expires=|max-age=/i);
    expect(await storedSession(store, browser)).toMatchObject({
      remember: false,
    });
  });

  it('keeps "Remember me" through a password change', async () => {
    const { url, store } = await start();
    const remembered = await signedIn(url, 'remember-change@example.com');
    await remembered.fetch('/change-password');

    const response = await submit(remembered, 'change-password', {
      password: PASSWORD,
      newPassword: 'another fine password 2',
    });

    expect(response.headers.get('location')).toBe('/account');
    expect(sessionCookieLine(response)).toMatch(/expires=/i);
    expect(await storedSession(store, remembered)).toMatchObject({ remember: true });
  });

  it('keeps a remembered session idle past the idle timeout and in use past the absolute one', async () => {
    const { clock, url } = await start();
    const remembered = await signedIn(url, 'remember-me@example.com');
    const plain = await signedIn(url, 'plain@example.com');

    clock.advance(13 * HOUR_MS);

    expect((await remembered.fetch('/account')).status).toBe(200);
    expect((await plain.fetch('/account')).headers.get('location')).toBe('/login');
  });

  it('keeps the remembered cookie persistent when a request notes activity', async () => {
    const { clock, url } = await start();
    const remembered = await signedIn(url, 'remember-touch@example.com');

    clock.advance(2 * 60_000);
    const response = await remembered.fetch('/account');

    expect(response.status).toBe(200);
    expect(sessionCookieLine(response)).toMatch(/expires=/i);
  });

  it('ends a remembered session after REMEMBER_DAYS, however much it was used', async () => {
    const { clock, url } = await start();
    const remembered = await signedIn(url, 'remember-until@example.com');
    for (let day = 0; day < 2; day++) {
      clock.advance(DAY_MS);
      expect((await remembered.fetch('/account')).status).toBe(200);
    }

    clock.advance(DAY_MS);

    expect((await remembered.fetch('/account')).headers.get('location')).toBe('/login');
    const login = await (await remembered.fetch('/login')).text();
    expect(login).toContain('Your session timed out. Log in again to continue.');
  });
});
