/**
 * What a person meets after a refused submit, in Chromium: the focus on what to fix (also
 * when the button was clicked, which focuses the button), the password emptied, on the live
 * page, after a plain post and without JavaScript; and a long email at 375 px wide.
 */
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import { fillAndSubmit, pageWithErrors, recordPosts, SLOW, shot } from './support.ts';

const BAD_CREDENTIALS = 'That email and password do not match an account.';
/** 120 characters and no space: nothing to break the line at. */
const LONG_EMAIL = `${'a'.repeat(108)}@example.com`;

/** The focused element, as `role=…`, `name=…` or its tag. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (!active || active === document.body) return 'body';
    const role = active.getAttribute('role');
    const name = active.getAttribute('name');
    return role ? `role=${role}` : name ? `name=${name}` : active.tagName.toLowerCase();
  });
}

/** How far the page scrolls sideways (0: it fits the viewport). */
function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

describeInBrowser('refused submits in a real browser', ({ server, newContext }) => {
  // Runs after describeInBrowser has closed the test's contexts.
  afterEach(async () => {
    // The next test waits for its own page's socket: none of this one's may linger.
    await expect.poll(() => server.baton.live.clients.size, SLOW).toBe(0);
  });

  /** A page whose live socket is open (this test's only one), so submits go over it. */
  async function livePage(path: string, viewport = { width: 1280, height: 800 }) {
    const context = await newContext({ viewport });
    const { page, errors } = await pageWithErrors(context);
    const posts = recordPosts(page);
    await page.goto(`${server.url}${path}`);
    await expect.poll(() => server.baton.live.clients.size, SLOW).toBe(1);
    return { page, errors, posts };
  }

  it('focuses the form’s error after a clicked "Log in" is refused live, and empties the password', async () => {
    const { page, errors, posts } = await livePage('/login');
    await fillAndSubmit(page, 'Log in', 'nobody@example.com', 'not the password');
    await expect.poll(() => page.getByRole('alert').textContent(), SLOW).toBe(BAD_CREDENTIALS);
    expect(await focused(page)).toBe('role=alert');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.getByLabel('Email').inputValue()).toBe('nobody@example.com');
    await shot(page, 'login-refused-live');
    expect(posts).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('focuses the first invalid field after a clicked "Sign up" is refused live', async () => {
    const { page, errors, posts } = await livePage('/signup');
    await fillAndSubmit(page, 'Sign up', 'ada@example', 'short');
    await expect.poll(() => focused(page), SLOW).toBe('name=email');
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(posts).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('opens the page of a refused plain post (socket down) on what to fix, password empty', async () => {
    const context = await newContext();
    const { page } = await pageWithErrors(context);
    await page.routeWebSocket('**/live', (ws) => ws.close());
    const posts = recordPosts(page);

    await page.goto(`${server.url}/signup`);
    await fillAndSubmit(page, 'Sign up', 'ada@example', 'short');
    await expect.poll(() => posts, SLOW).toEqual(['/signup']);
    await expect.poll(() => focused(page), SLOW).toBe('name=email');
    expect(await page.getByLabel('Password').inputValue()).toBe('');

    await page.goto(`${server.url}/login`);
    await fillAndSubmit(page, 'Log in', 'nobody@example.com', 'not the password');
    await expect.poll(() => posts, SLOW).toEqual(['/signup', '/login']);
    await expect.poll(() => focused(page), SLOW).toBe('role=alert');
    expect(await page.getByRole('alert').textContent()).toBe(BAD_CREDENTIALS);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
  });

  it('opens the refused page on what to fix without JavaScript, never echoing the password', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    const refused = page.waitForResponse((response) => response.request().method() === 'POST');
    await fillAndSubmit(page, 'Log in', 'nobody@example.com', 'not the password');
    const response = await refused;
    expect(response.status()).toBe(422);
    expect(await response.text()).not.toContain('not the password');
    await expect.poll(() => focused(page), SLOW).toBe('role=alert');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await shot(page, 'login-refused-no-javascript');

    await page.goto(`${server.url}/signup`);
    await fillAndSubmit(page, 'Sign up', 'ada@example.com', 'short');
    await expect.poll(() => focused(page), SLOW).toBe('name=password');
  });

  it('wraps a 120-character email at 375 px: no sideways scroll on the form or the account page', async () => {
    const { page, errors } = await livePage('/signup', { width: 375, height: 740 });
    // Refused first, so the page also shows a field error and the form's error.
    await fillAndSubmit(page, 'Sign up', LONG_EMAIL, 'short');
    await expect.poll(() => focused(page), SLOW).toBe('name=password');
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await sidewaysScroll(page)).toBe(0);
    await shot(page, 'signup-long-email-refused-375');

    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);
    const email = page.getByRole('main').getByText(LONG_EMAIL, { exact: true });
    await expect.poll(() => email.count(), SLOW).toBe(1);
    const box = await email.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(375);
    expect(await sidewaysScroll(page)).toBe(0);
    await shot(page, 'account-long-email-375');
    expect(errors).toEqual([]);
  });
});
