/**
 * Baton on plain HTTP under a name that is not localhost, as on a LAN or a staging box:
 * the browser sends no Fetch Metadata there (not a secure context), so the page's own posts
 * pass only on their real Origin, which the referrer policy must let the browser send.
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { describeInBrowser, type InBrowserOptions } from './in-browser.ts';
import { fillAndSubmit, PASSWORD, pageWithErrors, reconnecting, shot } from './support.ts';

const HOST = 'baton.test';

/** Served under HOST, whose origin alone the server allows. */
const UNDER_HOST: InBrowserOptions = { host: HOST, origins: ({ base }) => [base] };

describeInBrowser(
  'signing in over plain HTTP on a name that is not localhost',
  UNDER_HOST,
  ({ server, newContext }) => {
    // Read once the server listens: the tests below name the pages by it.
    let base: string;
    beforeAll(() => {
      base = server.base;
    });

    /** Every POST the page sends, with the Origin and Sec-Fetch-Site it carried. */
    function recordPosts(page: Page) {
      const posts: Array<{ path: string; origin: string | null; site: string | null }> = [];
      page.on('request', async (request) => {
        if (request.method() !== 'POST') return;
        const headers = await request.allHeaders();
        posts.push({
          path: new URL(request.url()).pathname,
          origin: headers.origin ?? null,
          site: headers['sec-fetch-site'] ?? null,
        });
      });
      return posts;
    }

    it('signs up and back in through the live form and lands on /account', async () => {
      const context = await newContext({ viewport: { width: 1280, height: 800 } });
      const { page, errors } = await pageWithErrors(context);
      const posts = recordPosts(page);

      await page.goto(`${base}/signup`);
      await expect.poll(() => reconnecting(page).count()).toBe(0);
      await fillAndSubmit(page, 'Sign up', 'plain-http@example.com', PASSWORD);
      await page.waitForURL(`${base}/account`);
      await expect.poll(() => page.getByText('plain-http@example.com').count()).toBeGreaterThan(0);
      await shot(page, 'plain-http-host-account-after-signup');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${base}/login`);
      await expect.poll(() => reconnecting(page).count()).toBe(0);
      await fillAndSubmit(page, 'Log in', 'plain-http@example.com', PASSWORD);
      await page.waitForURL(`${base}/account`);
      await expect.poll(() => page.getByText('Welcome back').count()).toBe(1);
      await shot(page, 'plain-http-host-account-after-login');

      // The page's own posts carry its real Origin and, not a secure context, no Fetch Metadata.
      expect(posts).toEqual([
        { path: '/handoff', origin: base, site: null },
        { path: '/logout', origin: base, site: null },
        { path: '/handoff', origin: base, site: null },
      ]);
      // Chromium notes on the console that it ignores COOP on an origin that is not
      // potentially trustworthy; that is the browser's notice, not a page error.
      expect(
        errors.filter((e) => !e.includes('Cross-Origin-Opener-Policy header has been ignored')),
      ).toEqual([]);
    });

    it('signs up without JavaScript through the plain form post', async () => {
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${base}/signup`);
      await fillAndSubmit(page, 'Sign up', 'plain-http-no-js@example.com', PASSWORD);
      await page.waitForURL(`${base}/account`);
      expect(await page.getByRole('main').getByText('plain-http-no-js@example.com').count()).toBe(
        1,
      );
      await shot(page, 'plain-http-host-no-javascript-account');
    });
  },
);
