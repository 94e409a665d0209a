/**
 * The new-device notice in a real browser, as a person meets it: signed up in one browser,
 * they sign in from a second; the dev mailbox holds one "New sign-in from Chrome on Linux"
 * email to the account, whose link opens the sessions page listing both browsers. Signing in
 * again from either sends nothing more. The email is screenshotted at 375 and 1280 px, in
 * both colour schemes (test-output/screenshots).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import { describeInBrowser } from './in-browser.ts';
import { fillAndSubmit, PASSWORD, pageWithErrors, SLOW, shot, signUp } from './support.ts';

/** Named outright, so the subject does not depend on the Chromium build. */
const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describeInBrowser('the new-device notice in a real browser', ({ server, newContext }) => {
  /** The new-device notices to `to`, once every one is decided and handed over. */
  async function noticesTo(to: string): Promise<MailboxEntry[]> {
    await server.baton.mailer.idle();
    const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
    return all.filter((email) => email.to === to && email.subject.startsWith('New sign-in'));
  }

  async function logOut(page: Page): Promise<void> {
    await page.goto(`${server.url}/account`);
    await page.getByRole('button', { name: 'Log out' }).first().click();
    await page.waitForURL(`${server.url}/login`);
  }

  async function logIn(page: Page, email: string): Promise<void> {
    await page.goto(`${server.url}/login`);
    await fillAndSubmit(page, 'Log in', email, PASSWORD);
    await page.waitForURL(`${server.url}/account`);
  }

  const newBrowser = () => newContext({ userAgent: CHROME_ON_LINUX });

  it('emails the account once when a second browser signs in, with a link to the sessions page', async () => {
    const email = 'new-device@example.com';
    const first = await newBrowser();
    const firstPage = await first.newPage();
    await signUp(firstPage, server.url, email);
    expect(await noticesTo(email)).toEqual([]);

    const second = await newBrowser();
    const { page, errors } = await pageWithErrors(second);
    await logIn(page, email);

    await page.goto(`${server.url}/dev/mailbox`);
    // The sign-up's confirmation went to the same address; the notice is the other one.
    const mail = page
      .getByRole('article')
      .filter({ hasText: `To ${email}` })
      .filter({ hasNotText: 'Confirm your email' });
    await expect.poll(() => mail.count(), SLOW).toBe(1);
    expect(await mail.getByRole('heading').textContent()).toBe('New sign-in from Chrome on Linux');
    await mail.getByRole('link', { name: `${server.origin}/account/sessions` }).click();
    await page.waitForURL(`${server.url}/account/sessions`);
    const main = page.getByRole('main');
    await expect.poll(() => main.getByText('Chrome on Linux').count(), SLOW).toBe(2);
    await expect.poll(() => main.getByText('This device').count(), SLOW).toBe(1);

    // Both browsers are known now.
    for (const each of [page, firstPage]) {
      await logOut(each);
      await logIn(each, email);
    }
    expect(await noticesTo(email)).toHaveLength(1);
    expect(errors).toEqual([]);
  }, 60_000);

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [375, 1280]) {
      it(`shows the email readably at ${width} px (${colorScheme}), screenshotted`, async () => {
        const email = `new-device-shot-${width}-${colorScheme}@example.com`;
        const first = await newBrowser();
        await signUp(await first.newPage(), server.url, email);
        await first.close();
        const second = await newContext({
          userAgent: CHROME_ON_LINUX,
          colorScheme,
          viewport: { width, height: 740 },
        });
        const page = await second.newPage();
        await logIn(page, email);
        const [notice] = await noticesTo(email);

        await page.goto(`${server.url}/dev/mailbox/${notice?.id}`);
        await expect
          .poll(() => page.getByRole('link', { name: 'Review your sessions' }).count())
          .toBeGreaterThan(0);
        await shot(page, `email-new-device-${width}${colorScheme === 'dark' ? '-dark' : ''}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          width,
        );
      }, 60_000);
    }
  }
});
