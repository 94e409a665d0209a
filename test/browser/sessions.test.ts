/**
 * Sessions, devices and sensitive actions in a real browser: "Remember me" and the cookie it
 * leaves, deleting an account (live, and without JavaScript), and sudo mode's expiry with the
 * server's injected clock.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIR } from '../helpers/build-client.ts';
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/chromium.ts';
import { testClock } from '../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';
import { pageWithErrors, reconnecting, shot, signUp } from './support.ts';

const skip = browserSkipReason();
const SLOW = { timeout: 10_000, interval: 50 };
const DAY_MS = 24 * 3_600_000;
const PASSWORD = 'a long enough password';
const SUDO_MS = 10 * 60_000;

describe.skipIf(skip !== null)('sessions, devices and sensitive actions in Chromium', () => {
  let server: RunningServer;
  let chromium: LaunchedBrowser;
  const clock = testClock();

  beforeAll(async () => {
    server = await startServer({
      assetsDir: CLIENT_DIR,
      now: clock.now,
      timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, rememberMs: 7 * DAY_MS },
    });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  async function freshContext(): Promise<BrowserContext> {
    return chromium.newContext({ viewport: { width: 375, height: 800 } });
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
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${server.url}/account`);

      const cookie = await sessionCookie(context);
      if (ticked) {
        // Playwright gives the expiry in seconds since the epoch. The cookie library dates it
        // by the real clock (the server's injected one decides the session's own limits).
        const lifetime = (cookie?.expires ?? 0) * 1000 - Date.now();
        expect(lifetime).toBeGreaterThan(7 * DAY_MS - 60_000);
        expect(lifetime).toBeLessThanOrEqual(7 * DAY_MS);
      } else {
        expect(cookie?.expires).toBe(-1);
      }
      expect(cookie?.httpOnly).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    });
  });

  describe('deleting an account', () => {
    it('asks for the password once sudo has lapsed, comes back, deletes live and frees the address', async () => {
      const context = await freshContext();
      const { page, errors } = await pageWithErrors(context);
      const email = `delete-live-${Date.now()}@example.com`;
      await signUp(page, server.url, email);
      clock.advance(SUDO_MS + 1);

      await page.getByRole('link', { name: 'Delete account' }).click();
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
      await context.close();
    });

    it('deletes without JavaScript too, with a plain post', async () => {
      const context = await chromium.newContext({ javaScriptEnabled: false });
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
      await context.close();
    });
  });
});
