/**
 * Returning to the page asked for: a signed-out visit to a signed-in page goes to /login
 * saying why, and the sign-in (live or not) lands on that page. The path travels in a
 * sealed cookie; nothing the client writes (a query string, a forged or foreign cookie)
 * can send anyone off Baton's own pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { sealBox } from '../../../server/keys/sealed-box.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { pageData } from '../../helpers/live-forms.ts';
import { BOTH_PATHS, PASSWORD, signedUp } from '../../helpers/outcomes.ts';
import { type RunningServer, startServer, TEST_SECRET } from '../../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  // Every person here signs up from one test client: more than one IP's hourly sign-ups.
  server = await startServer({ limits: { ...DEFAULT_LIMITS, signupsPerIp: 1000 } });
});
afterAll(() => server.stop());

let people = 0;
/** An account that exists, and a fresh browser that is not signed in. */
async function signedOutPerson(): Promise<{ email: string; browser: BrowserSession }> {
  const email = `returning-${++people}@example.com`;
  await signedUp(server.url, email).then((b) => b.post('/logout', {}));
  return { email, browser: new BrowserSession(server.url) };
}

/** A return cookie sealed with the server's own key, holding whatever a test wants. */
function forgedReturn(payload: unknown, purpose: 'return' | 'flash' = 'return'): string {
  const ring = createKeyRing([TEST_SECRET]);
  return sealBox(ring, purpose, Buffer.from(JSON.stringify(payload), 'utf8'));
}

describe('a signed-out visit to a signed-in page', () => {
  it.each(['/account', '/change-password'])(
    'goes from %s to /login, which says why',
    async (page) => {
      const browser = new BrowserSession(server.url);

      const response = await browser.fetch(page);

      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/login');
      const login = pageData(await (await browser.fetch('/login')).text());
      expect(login.flash).toEqual([{ kind: 'notice', text: 'You must log in to see that page.' }]);
    },
  );

  it('carries the page sealed in a cookie, never in the URL', async () => {
    const browser = new BrowserSession(server.url);

    const response = await browser.fetch('/change-password');

    const line = response.headers.getSetCookie().find((l) => l.startsWith('baton.return=')) ?? '';
    expect(line).toMatch(/httponly/i);
    expect(line).toMatch(/samesite=lax/i);
    expect(line).not.toContain('change-password');
    expect(response.headers.get('location')).toBe('/login');
  });
});

describe.each(BOTH_PATHS)('signing in over %s after asking for a page', (_path, submit) => {
  it('lands on the page asked for, once', async () => {
    const { email, browser } = await signedOutPerson();
    await browser.fetch('/change-password');
    await browser.fetch('/login');

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/change-password');
    expect((await browser.fetch('/change-password')).status).toBe(200);
    await browser.post('/logout', {});
    const again = await submit(browser, 'login', { email, password: PASSWORD });
    expect(again.headers.get('location')).toBe('/account');
  });

  it('survives a refused attempt first', async () => {
    const { email, browser } = await signedOutPerson();
    await browser.fetch('/change-password');
    expect((await browser.post('/login', { email, password: 'wrong password' })).status).toBe(422);

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/change-password');
  });

  it('ignores a page to return to that a log out left behind', async () => {
    const { email, browser } = await signedOutPerson();
    await browser.fetch('/change-password');
    await browser.post('/logout', {});

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
  });

  it.each([
    ['a query string', '/login?next=//evil.example&return=https://x'],
    ['a query string on the page', '/login?returnTo=/change-password'],
  ])('ignores %s', async (_what, path) => {
    const { email, browser } = await signedOutPerson();
    await browser.fetch(path);

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
  });

  it.each([
    [
      'an off-site path sealed with the right key',
      forgedReturn({ path: '//evil.example', exp: Date.now() + 60_000 }),
    ],
    [
      'an absolute URL sealed with the right key',
      forgedReturn({ path: 'https://x', exp: Date.now() + 60_000 }),
    ],
    ['an expired one', forgedReturn({ path: '/change-password', exp: Date.now() - 1 })],
    [
      'one sealed for another purpose',
      forgedReturn({ path: '/change-password', exp: Date.now() + 60_000 }, 'flash'),
    ],
    [
      'the page of a link for signed-out visitors',
      forgedReturn({ path: `/login-link/${'A'.repeat(43)}`, exp: Date.now() + 60_000 }),
    ],
    [
      'a link page whose token has not the shape of one',
      forgedReturn({ path: '/confirm-email/../../evil', exp: Date.now() + 60_000 }),
    ],
    [
      'a link page with more after its token',
      forgedReturn({ path: `/confirm-email/${'A'.repeat(43)}/x`, exp: Date.now() + 60_000 }),
    ],
    ['one written in clear', '/change-password'],
    [
      'one tampered with',
      `${forgedReturn({ path: '/change-password', exp: Date.now() + 60_000 }).slice(0, -2)}AA`,
    ],
  ])('ignores %s', async (_what, cookie) => {
    const { email, browser } = await signedOutPerson();
    await browser.fetch('/login');
    browser.cookies.set('baton.return', cookie);

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
  });
});

describe.each(BOTH_PATHS)(
  'signing in over %s after opening a link that needs it',
  (_path, submit) => {
    it('lands on the link again, its token sealed in the cookie', async () => {
      const { email, browser } = await signedOutPerson();
      await browser.fetch('/login');
      const link = `/confirm-email/${'A'.repeat(43)}`;
      browser.cookies.set('baton.return', forgedReturn({ path: link, exp: Date.now() + 60_000 }));

      const response = await submit(browser, 'login', { email, password: PASSWORD });

      expect(response.headers.get('location')).toBe(link);
    });
  },
);

describe('POST /logout', () => {
  it('lands on /login with "You have been logged out." once', async () => {
    const browser = await signedUp(server.url, `logout-${++people}@example.com`);

    const response = await browser.post('/logout', {});

    expect(response.headers.get('location')).toBe('/login');
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([{ kind: 'info', text: 'You have been logged out.' }]);
    expect(pageData(await (await browser.fetch('/login')).text()).flash).toEqual([]);
  });
});

describe('page data for the header', () => {
  it('names the signed-in account on every page, and no one when signed out', async () => {
    const email = `header-${++people}@example.com`;
    const browser = await signedUp(server.url, email);
    for (const page of ['/account', '/change-password', '/confirm-password']) {
      expect(pageData(await (await browser.fetch(page)).text()).signedInEmail).toBe(email);
    }
    const refused = await browser.post('/change-password', { password: 'x', newPassword: 'y' });
    expect(pageData(await refused.text()).signedInEmail).toBe(email);
    const stranger = new BrowserSession(server.url);
    for (const page of ['/login', '/signup']) {
      expect(pageData(await (await stranger.fetch(page)).text()).signedInEmail).toBeNull();
    }
  });
});
