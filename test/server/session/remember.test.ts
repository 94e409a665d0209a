/**
 * "Remember me" sessions live by REMEMBER_DAYS (idle and absolute), other sessions by
 * SESSION_IDLE_MINUTES / SESSION_ABSOLUTE_HOURS; the clock is injected and moved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FormHandler, HANDLERS } from '../../../server/accounts/forms.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import {
  BOTH_PATHS,
  PASSWORD,
  sessionCookieLine,
  signedUp,
  testClock,
} from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TIMEOUTS = { idleMs: 30 * 60_000, absoluteMs: 12 * HOUR_MS, rememberMs: 3 * DAY_MS };

/** The login handler asking for "Remember me" when the email says so. */
const logIn: FormHandler = async (deps, fields, who) => {
  const outcome = await HANDLERS.login(deps, fields, who);
  if (!outcome.ok || outcome.change.kind !== 'sign-in') return outcome;
  const remember = fields.email.startsWith('remember');
  return { ...outcome, change: { ...outcome.change, remember } };
};

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
    forms: { handlers: { login: logIn } },
  });
  return { clock, url: server.url };
}

describe.each(BOTH_PATHS)('session lifetimes, signed in over %s', (_path, submit) => {
  async function signedIn(url: string, email: string): Promise<BrowserSession> {
    await signedUp(url, email).then((b) => b.post('/logout', {}));
    const browser = new BrowserSession(url);
    await browser.fetch('/login');
    const response = await submit(browser, 'login', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    return browser;
  }

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
