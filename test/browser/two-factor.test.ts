/**
 * Authenticator codes in Chromium: turning them on from the account page, then signing in
 * with the password and the code, with JavaScript (the live forms) and without it (plain
 * posts). axe-core finds no violations on the new pages, light and dark; screenshots at
 * 375 px go to test-output/screenshots (two-factor-*.png). The server's clock is injected,
 * so each code is computed for the step the test chooses.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIR } from '../helpers/build-client.ts';
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/chromium.ts';
import { testClock } from '../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';
import { totpAt } from '../helpers/two-factor.ts';
import { fillAndSubmit, pageWithErrors, reconnecting, shot, signUp } from './support.ts';

const skip = browserSkipReason();
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
const SLOW = { timeout: 10_000, interval: 50 };
const PASSWORD = 'a long enough password';
const STEP_MS = 30_000;
/** Each test walks several pages and runs axe on four of them twice: more than the default 20 s on a busy machine. */
const LONG = { timeout: 90_000 };

/** axe-core's violations on the page as it is (evaluated over CDP: the CSP forbids inline scripts). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as {
      id: string;
      help: string;
      nodes: { target: unknown[] }[];
    }[];
  });
  return violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(', ')}`);
}

/**
 * Checks the page with axe in both colour schemes, and screenshots it at 375 px in each.
 * `axe: false` for a page without JavaScript, where nothing can be evaluated in it.
 */
async function checkAndShoot(page: Page, name: string, { axe = true } = {}): Promise<void> {
  await page.setViewportSize({ width: 375, height: 740 });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    if (axe) expect(await axeViolations(page), `${name}, ${colorScheme}`).toEqual([]);
    await shot(page, `two-factor-${name}-375${colorScheme === 'dark' ? '-dark' : ''}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Turns two-factor on from /account through the page, as a person does; returns the secret. */
async function turnOn(page: Page, base: string, at: number, shots: boolean): Promise<string> {
  await page.getByRole('main').getByRole('link', { name: 'Two-factor' }).click();
  await page.waitForURL(`${base}/account/two-factor`);
  if (shots) await checkAndShoot(page, 'off');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.getByRole('img', { name: 'QR code to add Baton to an authenticator app' }).waitFor();
  if (shots) await checkAndShoot(page, 'setup');
  const secret = ((await page.locator('.secret').textContent()) ?? '').replace(/\s/g, '');
  await page.getByLabel('Authentication code').fill(totpAt(secret, at));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  expect(await page.locator('.codes li').count()).toBe(10);
  if (shots) await checkAndShoot(page, 'recovery-codes');
  return secret;
}

describe.skipIf(skip !== null)('two-factor sign-in in Chromium', () => {
  let server: RunningServer;
  let chromium: LaunchedBrowser;
  const clock = testClock(Date.UTC(2030, 0, 1, 12, 0, 5));

  beforeAll(async () => {
    server = await startServer({ assetsDir: CLIENT_DIR, now: clock.now });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it(
    'turns it on, then signs in with the password and the code over the live forms',
    LONG,
    async () => {
      const context = await chromium.newContext();
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
      await checkAndShoot(page, 'login-code');
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
      await page.getByLabel('Authentication code').fill(totpAt(secret, clock.now()));
      await page.getByRole('button', { name: 'Verify' }).click();

      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText('Welcome back!').count()).toBe(1);
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  it(
    'works without JavaScript: plain posts all the way, a wrong code shown beside its field',
    LONG,
    async () => {
      const context = await chromium.newContext({ javaScriptEnabled: false });
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
      await checkAndShoot(page, 'login-code-wrong-no-js', { axe: false });
      await field.fill(right);
      await page.getByRole('button', { name: 'Verify' }).click();

      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText('Welcome back!').count()).toBe(1);
      await context.close();
    },
  );
});
