/**
 * Sessions, devices and sensitive actions in a real browser: "Remember me" and the cookie it
 * leaves, deleting an account (live, and without JavaScript), and sudo mode's expiry with the
 * server's injected clock.
 */
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { testClock } from '../helpers/outcomes.ts';
import { describeInBrowser } from './in-browser.ts';
import { PASSWORD, pageWithErrors, reconnecting, SLOW, shot, signUp } from './support.ts';

const DAY_MS = 24 * 3_600_000;
const SUDO_MS = 10 * 60_000;

const clock = testClock();

/** The server on the test's clock, with session timeouts the tests step past. */
const SERVER = {
  server: {
    now: clock.now,
    timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, rememberMs: 7 * DAY_MS },
  },
};

describeInBrowser('sessions, devices and sensitive actions in Chromium', SERVER, (inBrowser) => {
  const { server, newContext } = inBrowser;

  async function freshContext(): Promise<BrowserContext> {
    return newContext({ viewport: { width: 375, height: 800 } });
  }

  async function sessionCookie(context: BrowserContext) {
    return (await context.cookies()).find((cookie) => cookie.name === 'baton.sid');
  }

  describe('"Remember me"', () => {
    it.each([
      [true, 'a cookie that lasts REMEMBER_DAYS'],
      [false, 'a cookie that ends with the browser'],
    ])('ticked %s, a live sign-in leaves %s', async (ticked) => {
      const context = await freshContext();
      const { page, errors } = await pageWithErrors(context);
      const email = `remember-${ticked}-${Date.now()}@example.com`;
      await signUp(page, server.url, email);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${server.url}/login`);
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);

      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      if (ticked) await page.getByLabel('Remember me').check();
      if (ticked) await shot(page, 'login-remember-me');
      const before = Date.now();
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${server.url}/account`);
      const after = Date.now();

      const cookie = await sessionCookie(context);
      if (ticked) {
        // Playwright gives the expiry in seconds since the epoch. The cookie library dates it
        // by the real clock (the server's injected one decides the session's own limits), at
        // some moment of the sign-in: 7 days from between just before and just after it.
        const expires = (cookie?.expires ?? 0) * 1000;
        expect(expires).toBeGreaterThanOrEqual(Math.floor((before + 7 * DAY_MS) / 1000) * 1000);
        expect(expires).toBeLessThanOrEqual(after + 7 * DAY_MS);
      } else {
        expect(cookie?.expires).toBe(-1);
      }
      expect(cookie?.httpOnly).toBe(true);
      expect(errors).toEqual([]);
    });
  });

  describe('deleting an account', () => {
    it('asks for the password once sudo has lapsed, comes back, deletes live and frees the address', async () => {
      const context = await freshContext();
      const { page, errors } = await pageWithErrors(context);
      const email = `delete-live-${Date.now()}@example.com`;
      await signUp(page, server.url, email);
      clock.advance(SUDO_MS + 1);

      await page.getByRole('main').getByRole('link', { name: 'Delete account' }).click();
      await page.waitForURL(`${server.url}/confirm-password`);
      await expect.poll(() => page.getByText('Confirm your password to continue.').count()).toBe(1);
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForURL(`${server.url}/account/delete`);
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      await page.getByRole('button', { name: 'Delete account' }).click();

      await page.waitForURL(`${server.url}/login`);
      await expect.poll(() => page.getByText('Your account was deleted.').count(), SLOW).toBe(1);
      expect(await sessionCookie(context)).toBeUndefined();
      expect(await server.store.accounts.findByEmail(email)).toBeNull();
      await signUp(page, server.url, email);
      expect(errors).toEqual([]);
    });

    it('deletes without JavaScript too, with a plain post', async () => {
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const email = `delete-plain-${Date.now()}@example.com`;
      await page.goto(`${server.url}/signup`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL(`${server.url}/account`);

      await page.goto(`${server.url}/account/delete`);
      await page.getByRole('button', { name: 'Delete account' }).click();

      await page.waitForURL(`${server.url}/login`);
      expect(await page.getByText('Your account was deleted.').count()).toBe(1);
      expect(await server.store.accounts.findByEmail(email)).toBeNull();
    });
  });

  describe('the sessions page', () => {
    it('lists a session started in another browser live, and signs it out', async () => {
      const context = await freshContext();
      const { page, errors } = await pageWithErrors(context);
      const email = `sessions-live-${Date.now()}@example.com`;
      await signUp(page, server.url, email);
      await page.getByRole('main').getByRole('link', { name: 'Sessions' }).click();
      await page.waitForURL(`${server.url}/account/sessions`);
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      expect(await page.getByText('This device').count()).toBe(1);
      expect(await page.getByText('Chrome on Linux').count()).toBe(1);

      const other = await freshContext();
      const otherPage = await other.newPage();
      await otherPage.goto(`${server.url}/login`);
      await otherPage.getByLabel('Email').fill(email);
      await otherPage.getByLabel('Password').fill(PASSWORD);
      await otherPage.getByRole('button', { name: 'Log in' }).click();
      await otherPage.waitForURL(`${server.url}/account`);

      const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
      await expect.poll(() => signOut.count(), SLOW).toBe(1);
      await shot(page, 'sessions-375');
      await signOut.click();
      await page.waitForURL(`${server.url}/account/sessions`);
      await expect.poll(() => page.getByText('That session is signed out.').count(), SLOW).toBe(1);
      await otherPage.waitForURL(`${server.url}/login`, { timeout: 10_000 });
      expect(await signOut.count()).toBe(0);
      expect(errors).toEqual([]);
    });

    it('drops a session from the list live when it logs out elsewhere', async () => {
      const context = await freshContext();
      const { page } = await pageWithErrors(context);
      const email = `sessions-drop-${Date.now()}@example.com`;
      await signUp(page, server.url, email);
      const other = await freshContext();
      const otherPage = await other.newPage();
      await otherPage.goto(`${server.url}/login`);
      await otherPage.getByLabel('Email').fill(email);
      await otherPage.getByLabel('Password').fill(PASSWORD);
      await otherPage.getByRole('button', { name: 'Log in' }).click();
      await otherPage.waitForURL(`${server.url}/account`);
      await page.goto(`${server.url}/account/sessions`);
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      const allOthers = page.getByRole('button', { name: 'Sign out all other sessions' });
      expect(await allOthers.count()).toBe(1);

      await otherPage.getByRole('button', { name: 'Log out' }).click();
      await otherPage.waitForURL(`${server.url}/login`);

      await expect.poll(() => allOthers.count(), SLOW).toBe(0);
    });

    it('signs out all other sessions without JavaScript', async () => {
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const email = `sessions-plain-${Date.now()}@example.com`;
      await page.goto(`${server.url}/signup`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL(`${server.url}/account`);
      const other = await freshContext();
      const otherPage = await other.newPage();
      await otherPage.goto(`${server.url}/login`);
      await otherPage.getByLabel('Email').fill(email);
      await otherPage.getByLabel('Password').fill(PASSWORD);
      await otherPage.getByRole('button', { name: 'Log in' }).click();
      await otherPage.waitForURL(`${server.url}/account`);

      await page.goto(`${server.url}/account/sessions`);
      await page.getByRole('button', { name: 'Sign out all other sessions' }).click();

      await page.waitForURL(`${server.url}/account/sessions`);
      expect(await page.getByText('Every other session is signed out.').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Sign out', exact: true }).count()).toBe(0);
      await otherPage.waitForURL(`${server.url}/login`, { timeout: 10_000 });
    });
  });
});
