/**
 * Baton on plain HTTP under a name that is not localhost, as on a LAN or a staging box:
 * the browser sends no Fetch Metadata there (not a secure context), so the page's own posts
 * pass only on their real Origin, which the referrer policy must let the browser send.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIR } from '../helpers/build-client.ts';
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/chromium.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';
import { fillAndSubmit, pageWithErrors, reconnecting, shot } from './support.ts';

const skip = browserSkipReason();
const HOST = 'baton.test';
const PASSWORD = 'a long enough password';

describe.skipIf(skip !== null)('signing in over plain HTTP on a name that is not localhost', () => {
  let server: RunningServer;
  let chromium: LaunchedBrowser;
  let base: string;

  beforeAll(async () => {
    // The door and the Origin rule read this list on each request, so the port can be
    // added once the server listens (port 0).
    const origins: string[] = [];
    server = await startServer({ assetsDir: CLIENT_DIR, origins });
    base = `http://${HOST}:${new URL(server.url).port}`;
    origins.push(base);
    chromium = await launchChromium({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
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
    const context = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
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
    await context.close();
  });

  it('signs up without JavaScript through the plain form post', async () => {
    const context = await chromium.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/signup`);
    await fillAndSubmit(page, 'Sign up', 'plain-http-no-js@example.com', PASSWORD);
    await page.waitForURL(`${base}/account`);
    expect(await page.getByRole('main').getByText('plain-http-no-js@example.com').count()).toBe(1);
    await shot(page, 'plain-http-host-no-javascript-account');
    await context.close();
  });
});
