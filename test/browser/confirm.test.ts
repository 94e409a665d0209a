/**
 * Email confirmation in a real browser, as a person goes through it: the account page's
 * "Confirm your email", the email in the dev mailbox, its link and "Confirm my account",
 * with the live forms and without JavaScript, signed in and signed out; and a password
 * reset of an account with authenticator codes on, which lands on the code step, not on
 * /account. The pages pass axe-core in both colour schemes and are screenshotted at 375 and
 * 1280 px (test-output/screenshots), the email too.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { signedUp, testClock } from '../helpers/outcomes.ts';
import { totpAt, turnOnTwoFactor } from '../helpers/two-factor.ts';
import { describeInBrowser } from './in-browser.ts';
import { checkAndShoot, newestMailTo, pageWithErrors, SLOW, settled, signUp } from './support.ts';

/** Each test walks several pages and runs axe on some of them twice: more than 20 s on a busy machine. */
const LONG = { timeout: 90_000 };
const SUBJECT = 'Confirm your email for Baton';
const CONFIRMED = 'Your email is confirmed.';
const STEP_MS = 30_000;

const clock = testClock(Date.UTC(2030, 0, 1, 12, 0, 5));

/** The server on the test's clock, which the tests move on. */
const ON_CLOCK = { server: { now: clock.now } };

describeInBrowser('email confirmation in a real browser', ON_CLOCK, ({ server, newContext }) => {
  const confirmSection = (page: Page) =>
    page.getByRole('main').getByRole('region', { name: 'Confirm your email' });

  it('confirms over the live forms from the email in the dev mailbox', LONG, async () => {
    const email = 'live-confirm@example.com';
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    await signUp(page, server.url, email);
    await settled(page);
    expect(await confirmSection(page).count()).toBe(1);
    await checkAndShoot(page, 'confirm-account-unconfirmed');

    const mail = await newestMailTo(server, email, SUBJECT);
    await page.goto(`${server.url}/dev/mailbox/${mail.id}`);
    await checkAndShoot(page, 'email-confirm', { axe: false });

    await page.goto(`${server.url}/dev/mailbox`);
    const article = page.getByRole('article').filter({ hasText: `To ${email}` });
    await expect.poll(() => article.count(), SLOW).toBe(1);
    await article.getByRole('link', { name: /\/confirm\// }).click();
    await page.waitForURL(/\/confirm\/[\w-]{43}$/);
    await settled(page);
    await checkAndShoot(page, 'confirm-page');

    await page.getByRole('button', { name: 'Confirm my account' }).click();
    await page.waitForURL(`${server.url}/account`);
    await expect.poll(() => page.getByText(CONFIRMED).count(), SLOW).toBe(1);
    expect(await confirmSection(page).count()).toBe(0);
    await settled(page);
    await checkAndShoot(page, 'confirm-account-confirmed');
    expect(errors).toEqual([]);
  });

  it(
    'resends and confirms without JavaScript, then a used link says it is invalid',
    LONG,
    async () => {
      const email = 'plain-confirm@example.com';
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await signUp(page, server.url, email);
      const first = await newestMailTo(server, email, SUBJECT);

      await confirmSection(page).getByRole('button', { name: 'Resend confirmation email' }).click();
      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText('A new confirmation link is on its way.').count()).toBe(1);
      const second = await newestMailTo(server, email, SUBJECT);
      expect(second.id).not.toBe(first.id);
      const link = /https?:\/\/\S+\/confirm\/[\w-]+/.exec(second.text)?.[0] as string;
      expect(link).toBeDefined();

      await page.goto(link);
      await page.getByRole('button', { name: 'Confirm my account' }).click();
      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText(CONFIRMED).count()).toBe(1);
      expect(await confirmSection(page).count()).toBe(0);

      // Signed out, the older link confirms too (nothing left to change) and lands on /login.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${server.url}/login`);
      const older = /https?:\/\/\S+\/confirm\/[\w-]+/.exec(first.text)?.[0] as string;
      await page.goto(older);
      await page.getByRole('button', { name: 'Confirm my account' }).click();
      await page.waitForURL(`${server.url}/login`);
      expect(await page.getByText(CONFIRMED).count()).toBe(1);

      await page.goto(link);
      await page.waitForURL(`${server.url}/login`);
      expect(
        await page.getByText('That confirmation link is invalid or has expired.').count(),
      ).toBe(1);
      await checkAndShoot(page, 'confirm-invalid-no-js', { axe: false });
    },
  );

  it(
    'takes a reset of an account with authenticator codes on through the code step',
    LONG,
    async () => {
      const email = 'reset-2fa-chromium@example.com';
      const owner = await signedUp(server.url, email);
      const { secret } = await turnOnTwoFactor(owner, clock.now());
      clock.advance(STEP_MS);

      const context = await newContext();
      const { page, errors } = await pageWithErrors(context);
      await page.goto(`${server.url}/login`);
      await settled(page);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL(`${server.url}/forgot-password`);
      await settled(page);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expect.poll(() => page.getByText('a link to reset its password').count(), SLOW).toBe(1);
      const reset = await newestMailTo(server, email, /Reset/);
      const link = /https?:\/\/\S+\/reset-password\/[\w-]+/.exec(reset.text)?.[0] as string;

      await page.goto(link);
      await settled(page);
      await page.getByLabel('New password').fill('my brand new password');
      await page.getByRole('button', { name: 'Reset password' }).click();
      await page.waitForURL(`${server.url}/login-code`);
      expect(await page.getByText('Your password was reset.').count()).toBe(1);
      await settled(page);
      await checkAndShoot(page, 'confirm-reset-login-code');

      const right = totpAt(secret, clock.now());
      await page.getByLabel('Authentication code').fill(right === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      const field = page.getByLabel('Authentication code');
      await expect.poll(() => field.getAttribute('aria-invalid'), SLOW).toBe('true');
      expect(page.url()).toBe(`${server.url}/login-code`);

      await field.fill(right);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByText('Welcome back!').count()).toBe(1);
      expect(errors).toEqual([]);
    },
  );
});
