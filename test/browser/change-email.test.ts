/**
 * Changing the email in a real browser, as a person does it: from the account page's
 * "Change email" to the email in the dev mailbox, its "Confirm new email" link, and the
 * account page under the new address; with the live forms, and without JavaScript. The
 * pages pass axe-core in both colour schemes and are screenshotted at 375 and 1280 px
 * (test-output/screenshots), the emails too.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import {
  axeViolations,
  newestMailTo,
  PASSWORD,
  pageWithErrors,
  SLOW,
  settled,
  shot,
  signUp,
} from './support.ts';

const SENT = 'A link to confirm your new email is on its way.';
const CHANGED = 'Your email was changed.';
/** Each case walks several pages (and axe runs on each): more than the default 20 s on a busy machine. */
const LONG = { timeout: 60_000 };

describeInBrowser('changing the email in a real browser', ({ server, chromium, newContext }) => {
  /** From /account, asks to move to `next` through its "Change email" link. */
  async function askToMove(page: Page, next: string, live: boolean): Promise<void> {
    await page.goto(`${server.url}/account`);
    if (live) await settled(page);
    await page.getByRole('main').getByRole('link', { name: 'Change email' }).click();
    await page.waitForURL(`${server.url}/change-email`);
    if (live) await settled(page);
    const main = page.getByRole('main');
    await main.getByLabel('New email').fill(next);
    await main.getByLabel('Current password').fill(PASSWORD);
    await main.getByRole('button', { name: 'Change email' }).click();
    await expect.poll(() => main.getByText(SENT).count(), SLOW).toBe(1);
  }

  it(
    'moves the account over the live forms, from the link in the dev mailbox, and signs the other browsers out',
    LONG,
    async () => {
      const email = 'live-mover@example.com';
      const next = 'live-moved@example.com';
      const elsewhere = await newContext();
      const elsewherePage = await elsewhere.newPage();
      await signUp(elsewherePage, server.url, email);
      await settled(elsewherePage);

      const context = await newContext();
      const { page, errors } = await pageWithErrors(context);
      await page.goto(`${server.url}/login`);
      await settled(page);
      const login = page.getByRole('main');
      await login.getByLabel('Email').fill(email);
      await login.getByLabel('Password').fill(PASSWORD);
      await login.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${server.url}/account`);
      await askToMove(page, next, true);

      await page.goto(`${server.url}/dev/mailbox`);
      const mail = page.getByRole('article').filter({ hasText: `To ${next}` });
      await expect.poll(() => mail.count(), SLOW).toBe(1);
      expect(await mail.getByRole('heading').textContent()).toBe(
        'Confirm your new email for Baton',
      );
      await mail.getByRole('link', { name: /\/confirm-email\// }).click();
      await page.waitForURL(/\/confirm-email\/[\w-]{43}$/);
      await settled(page);

      await page.getByRole('main').getByRole('button', { name: 'Confirm new email' }).click();
      await page.waitForURL(`${server.url}/account`);
      const main = page.getByRole('main');
      await expect.poll(() => main.getByText(CHANGED).count(), SLOW).toBe(1);
      expect(await main.getByText(next).count()).toBeGreaterThan(0);
      expect(await main.getByText(email).count()).toBe(0);

      // The other browser's session ended with the change: its page goes to /login and says why.
      await elsewherePage.waitForURL(`${server.url}/login`, { timeout: 10_000 });
      await expect
        .poll(
          () =>
            elsewherePage
              .getByText('You were signed out because your email was changed.', { exact: false })
              .count(),
          SLOW,
        )
        .toBe(1);
      expect((await newestMailTo(server, email)).subject).toBe('Your email was changed');
      expect(errors).toEqual([]);
    },
  );

  it(
    'moves the account without JavaScript, signing in first when the link is opened signed out',
    LONG,
    async () => {
      const email = 'plain-mover@example.com';
      const next = 'plain-moved@example.com';
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await signUp(page, server.url, email);
      await askToMove(page, next, false);
      const link = /https?:\/\/\S+\/confirm-email\/[\w-]+/.exec(
        (await newestMailTo(server, next)).text,
      )?.[0];
      if (!link) throw new Error(`no email change link was mailed to ${next}`);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${server.url}/login`);
      await page.goto(link);
      await page.waitForURL(`${server.url}/login`);
      const login = page.getByRole('main');
      expect(await login.getByText('You must log in to see that page.').count()).toBe(1);
      await login.getByLabel('Email').fill(email);
      await login.getByLabel('Password').fill(PASSWORD);
      await login.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(link);

      await page.getByRole('main').getByRole('button', { name: 'Confirm new email' }).click();
      await page.waitForURL(`${server.url}/account`);
      expect(await page.getByRole('main').getByText(CHANGED).count()).toBe(1);
      expect(await page.getByRole('main').getByText(next).count()).toBeGreaterThan(0);

      // Used: the link now goes back to /change-email, saying why.
      await page.goto(link);
      await page.waitForURL(`${server.url}/change-email`);
      expect(
        await page
          .getByRole('main')
          .getByText('That email change link is invalid or has expired.')
          .count(),
      ).toBe(1);
    },
  );

  describe.each([
    ['light', 375],
    ['dark', 375],
    ['light', 1280],
    ['dark', 1280],
  ] as const)('in the %s colour scheme, %i px wide', (colorScheme, width) => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await chromium.newContext({
        colorScheme,
        viewport: { width, height: 800 },
        deviceScaleFactor: width === 375 ? 2 : 1,
      });
    });
    afterAll(async () => {
      await context?.close();
    });
    const name = (what: string) => `${what}-${width}${colorScheme === 'dark' ? '-dark' : ''}`;
    const fitsTheWidth = async (page: Page) =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );

    it(
      'passes axe on /change-email and /confirm-email/<token>, screenshotted with the emails',
      LONG,
      async () => {
        const email = `shots-mover-${colorScheme}-${width}@example.com`;
        const next = `shots-moved-${colorScheme}-${width}@example.com`;
        const { page, errors } = await pageWithErrors(context);
        await signUp(page, server.url, email);

        await page.goto(`${server.url}/change-email`);
        await settled(page);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('change-email'));
        await fitsTheWidth(page);

        // A wrong password, beside its field.
        const main = page.getByRole('main');
        await main.getByLabel('New email').fill(next);
        await main.getByLabel('Current password').fill('not my password');
        await main.getByRole('button', { name: 'Change email' }).click();
        await expect
          .poll(() => main.getByLabel('Current password').getAttribute('aria-invalid'), SLOW)
          .toBe('true');
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('change-email-error'));

        await askToMove(page, next, true);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('change-email-sent'));

        const mail = await newestMailTo(server, next);
        await page.goto(`${server.url}/dev/mailbox/${mail.id}`);
        await shot(page, name('email-change-email'));

        const token = /\/confirm-email\/([\w-]+)/.exec(mail.text)?.[1];
        await page.goto(`${server.url}/confirm-email/${token}`);
        await settled(page);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('confirm-email'));
        await fitsTheWidth(page);

        await page.getByRole('main').getByRole('button', { name: 'Confirm new email' }).click();
        await page.waitForURL(`${server.url}/account`);
        await settled(page);
        expect(await axeViolations(page)).toEqual([]);
        await shot(page, name('account-email-changed'));

        const notice = await newestMailTo(server, email);
        await page.goto(`${server.url}/dev/mailbox/${notice.id}`);
        await shot(page, name('email-email-changed'));
        expect(errors).toEqual([]);
        await page.close();
      },
    );
  });
});
