/**
 * Authenticator codes in Chromium: turning them on from the account page, then signing in
 * with the password and the code, with JavaScript (the live forms) and without it (plain
 * posts). axe-core finds no violations on the new pages, light and dark; screenshots at
 * 375 px go to test-output/screenshots (two-factor-*.png). The server's clock is injected,
 * so each code is computed for the step the test chooses.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { testClock } from '../helpers/outcomes.ts';
import { totpAt } from '../helpers/two-factor.ts';
import { describeInBrowser } from './in-browser.ts';
import {
  checkAndShoot,
  fillAndSubmit,
  PASSWORD,
  pageWithErrors,
  reconnecting,
  SLOW,
  signUp,
} from './support.ts';

const STEP_MS = 30_000;
/** Each test walks several pages and runs axe on four of them twice: more than the default 20 s on a busy machine. */
const LONG = { timeout: 90_000 };

/**
 * Checks the page with axe in both colour schemes, and screenshots it at 375 px in each.
 * `axe: false` for a page without JavaScript, where nothing can be evaluated in it.
 */
const checkAndShootNarrow = (page: Page, name: string, { axe = true } = {}) =>
  checkAndShoot(page, `two-factor-${name}`, { widths: [375], height: 740, axe });

/** Turns two-factor on from /account through the page, as a person does; returns the secret. */
async function turnOn(page: Page, base: string, at: number, shots: boolean): Promise<string> {
  await page.getByRole('main').getByRole('link', { name: 'Two-factor' }).click();
  await page.waitForURL(`${base}/account/two-factor`);
  if (shots) await checkAndShootNarrow(page, 'off');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.getByRole('img', { name: 'QR code to add Baton to an authenticator app' }).waitFor();
  if (shots) await checkAndShootNarrow(page, 'setup');
  const secret = ((await page.locator('.secret').textContent()) ?? '').replace(/\s/g, '');
  await page.getByLabel('Authentication code').fill(totpAt(secret, at));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  expect(await page.locator('.codes li').count()).toBe(10);
  if (shots) await checkAndShootNarrow(page, 'recovery-codes');
  return secret;
}

const clock = testClock(Date.UTC(2030, 0, 1, 12, 0, 5));

/** The server on the test's clock, which the tests move on. */
const ON_CLOCK = { server: { now: clock.now } };

describeInBrowser('two-factor sign-in in Chromium', ON_CLOCK, ({ server, newContext }) => {
  it(
    'turns it on, then signs in with the password and the code over the live forms',
    LONG,
    async () => {
      const context = await newContext();
      const { page, errors } = await pageWithErrors(context);
      const email = 'chromium-2fa@example.com';
      await signUp(page, server.url, email);
      const secret = await turnOn(page, server.url, clock.now(), true);
      await page.getByRole('link', { name: 'Back to your account' }).click();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${server.url}/login`);
      clock.advance(STEP_MS);

      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      await fillAndSubmit(page, 'Log in', email, PASSWORD);
      await page.waitForURL(`${server.url}/login-code`);
      await page.waitForLoadState('networkidle');
      await checkAndShootNarrow(page, 'login-code');
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      await page.getByLabel('Authentication code').fill(totpAt(secret, clock.now()));
      await page.getByRole('button', { name: 'Verify' }).click();

      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText('Welcome back!').count()).toBe(1);
      expect(errors).toEqual([]);
    },
  );

  it(
    'works without JavaScript: plain posts all the way, a wrong code shown beside its field',
    LONG,
    async () => {
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const email = 'no-js-2fa@example.com';
      await signUp(page, server.url, email);
      const secret = await turnOn(page, server.url, clock.now(), false);
      await page.getByRole('link', { name: 'Back to your account' }).click();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${server.url}/login`);
      clock.advance(STEP_MS);

      await fillAndSubmit(page, 'Log in', email, PASSWORD);
      await page.waitForURL(`${server.url}/login-code`);
      const right = totpAt(secret, clock.now());
      await page.getByLabel('Authentication code').fill(right === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      const field = page.getByLabel('Authentication code');
      await expect.poll(() => field.getAttribute('aria-invalid'), SLOW).toBe('true');
      await checkAndShootNarrow(page, 'login-code-wrong-no-js', { axe: false });
      await field.fill(right);
      await page.getByRole('button', { name: 'Verify' }).click();

      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText('Welcome back!').count()).toBe(1);
    },
  );
});
