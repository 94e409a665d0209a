/**
 * Password reset and sign-in links in a real browser, as a person uses them: from /login's
 * "Forgot your password?" (or "Email me a sign-in link") to the email in the dev mailbox,
 * its link, and the account page; with the live forms, and without JavaScript. The pages pass axe-core in both colour
 * schemes and are screenshotted at 375 px (test-output/screenshots), the emails too.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import {
  axeViolations,
  newestMailTo,
  pageWithErrors,
  SLOW,
  settled,
  shot,
  signUp,
} from './support.ts';

const SENT = 'If that email has an account, a link to reset its password is on its way.';
const NEW = 'my brand new password';
/** axe on three pages, the dev mailbox's among them (every sign-up adds an email to it): more than 20 s on a busy machine. */
const LONG = { timeout: 90_000 };

describeInBrowser('password reset in a real browser', ({ server, chromium, newContext }) => {
  /** Asks for a reset link from /login's "Forgot your password?" link. */
  async function askForLink(page: Page, email: string, live: boolean): Promise<void> {
    await page.goto(`${server.url}/login`);
    if (live) await settled(page);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(`${server.url}/forgot-password`);
    if (live) await settled(page);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect.poll(() => page.getByText(SENT).count(), SLOW).toBe(1);
  }

  it('resets over the live forms, following the link from the dev mailbox, and signs the old sessions out', async () => {
    const email = 'live-reset@example.com';
    const owner = await newContext();
    const ownerPage = await owner.newPage();
    await signUp(ownerPage, server.url, email);
    await settled(ownerPage);

    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    await askForLink(page, email, true);

    await page.goto(`${server.url}/dev/mailbox`);
    // The sign-up's confirmation email is there too.
    const mail = page
      .getByRole('article')
      .filter({ hasText: `To ${email}` })
      .filter({ hasText: 'Reset your Baton password' });
    await expect.poll(() => mail.count(), SLOW).toBe(1);
    expect(await mail.getByRole('heading').textContent()).toBe('Reset your Baton password');
    const frames: string[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', (frame) => frames.push(String(frame.payload))),
    );
    await mail.getByRole('link', { name: /\/reset-password\// }).click();
    await page.waitForURL(/\/reset-password\/[\w-]{43}$/);
    const token = page.url().split('/').pop() as string;
    await settled(page);

    await page.getByLabel('New password').fill(NEW);
    // The typed password is checked as typed, over the socket, before the submit.
    const isCheck = (frame: string) => JSON.parse(frame).type === 'validate';
    await expect.poll(() => frames.some(isCheck), SLOW).toBe(true);
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.waitForURL(`${server.url}/account`);
    await expect.poll(() => page.getByText('Your password was reset.').count(), SLOW).toBe(1);
    expect(await page.getByText(email).count()).toBeGreaterThan(0);
    // The token went over the socket once, with the submit; never with a check as typed.
    const carrying = frames.filter((frame) => frame.includes(token));
    expect(carrying.map((frame) => JSON.parse(frame).type)).toEqual(['submit']);

    // The owner's old session ended with the reset: their page goes to /login.
    await ownerPage.waitForURL(`${server.url}/login`, { timeout: 10_000 });
    expect(errors).toEqual([]);
  });

  it('resets without JavaScript, and a used link goes back to /forgot-password', async () => {
    const email = 'plain-reset@example.com';
    const signup = await newContext();
    await signUp(await signup.newPage(), server.url, email);
    await signup.close();

    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await askForLink(page, email, false);
    const link = /https?:\/\/\S+\/reset-password\/[\w-]+/.exec(
      (await newestMailTo(server, email)).text,
    )?.[0];
    expect(link).toBeDefined();

    await page.goto(link as string);
    await page.getByLabel('New password').fill('password');
    await page.getByRole('button', { name: 'Reset password' }).click();
    // A common password is refused beside its field, and the link still works.
    expect(await page.getByLabel('New password').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('New password').fill(NEW);
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByText('Your password was reset.').count()).toBe(1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.goto(link as string);
    await page.waitForURL(`${server.url}/forgot-password`);
    expect(await page.getByText('That reset link is invalid or has expired.').count()).toBe(1);
  });

  /** Asks for a sign-in link from /login's "Email me a sign-in link"; resolves with the link. */
  async function askForLoginLink(page: Page, email: string, live: boolean): Promise<string> {
    await page.goto(`${server.url}/login`);
    if (live) await settled(page);
    await page.getByRole('link', { name: 'Email me a sign-in link' }).click();
    await page.waitForURL(`${server.url}/login-link`);
    if (live) await settled(page);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send sign-in link' }).click();
    await expect.poll(() => page.getByText('a sign-in link is on its way.').count(), SLOW).toBe(1);
    const link = /https?:\/\/\S+\/login-link\/[\w-]+/.exec(
      (await newestMailTo(server, email)).text,
    )?.[0];
    if (!link) throw new Error(`no sign-in link was mailed to ${email}`);
    return link;
  }

  it.each([
    ['live', true],
    ['without JavaScript', false],
  ])('logs in with an emailed sign-in link, %s, once', async (_, live) => {
    const email = `link-${live ? 'live' : 'plain'}@example.com`;
    const signup = await newContext();
    await signUp(await signup.newPage(), server.url, email);
    await signup.close();

    const context = await newContext({ javaScriptEnabled: live });
    const { page, errors } = await pageWithErrors(context);
    const link = await askForLoginLink(page, email, live);
    await page.goto(link);
    if (live) await settled(page);
    await page.getByRole('button', { name: 'Log me in' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByText(email).count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.goto(link);
    await page.waitForURL(`${server.url}/login-link`);
    expect(await page.getByText('That sign-in link is invalid or has expired.').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  describe.each(['light', 'dark'] as const)('in the %s colour scheme', (colorScheme) => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await chromium.newContext({
        colorScheme,
        viewport: { width: 375, height: 740 },
        deviceScaleFactor: 2,
      });
    });
    afterAll(async () => {
      await context?.close();
    });
    const name = (what: string) => `${what}-375${colorScheme === 'dark' ? '-dark' : ''}`;
    const fitsTheWidth = async (page: Page) =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        375,
      );

    it(
      'passes axe on /forgot-password, /reset-password/<token> and /dev/mailbox, screenshotted',
      LONG,
      async () => {
        const email = `shots-reset-${colorScheme}@example.com`;
        const signup = await newContext();
        await signUp(await signup.newPage(), server.url, email);
        await signup.close();
        const { page, errors } = await pageWithErrors(context);

        await askForLink(page, email, true);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('forgot-password'));
        await fitsTheWidth(page);

        await page.goto(`${server.url}/dev/mailbox`);
        await settled(page);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('dev-mailbox'));
        await fitsTheWidth(page);

        const mail = await newestMailTo(server, email);
        await page.goto(`${server.url}/dev/mailbox/${mail.id}`);
        await shot(page, name('email-password-reset'));

        const token = /\/reset-password\/([\w-]+)/.exec(mail.text)?.[1];
        await page.goto(`${server.url}/reset-password/${token}`);
        await settled(page);
        expect(await axeViolations(page)).toEqual([]);
        await page.getByLabel('New password').fill('short');
        await page.getByRole('button', { name: 'Reset password' }).click();
        await expect.poll(() => page.getByRole('alert').count(), SLOW).toBe(1);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('reset-password-error'));
        await fitsTheWidth(page);
        expect(errors).toEqual([]);
        await page.close();
      },
    );

    it('passes axe on /login, /login-link and /login-link/<token>, screenshotted', async () => {
      const email = `shots-link-${colorScheme}@example.com`;
      const signup = await newContext();
      await signUp(await signup.newPage(), server.url, email);
      await signup.close();
      const { page, errors } = await pageWithErrors(context);

      const link = await askForLoginLink(page, email, true);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, name('login-link'));
      await fitsTheWidth(page);

      const mail = await newestMailTo(server, email);
      await page.goto(`${server.url}/dev/mailbox/${mail.id}`);
      await shot(page, name('email-login-link'));

      await page.goto(link);
      await settled(page);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, name('use-login-link'));
      await fitsTheWidth(page);

      await page.goto(`${server.url}/login`);
      await settled(page);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, name('login-with-links'));
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
