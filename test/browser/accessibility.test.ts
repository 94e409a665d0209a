/**
 * The pages for people using a keyboard, a screen reader, a phone or a zoomed browser:
 * axe-core finds no violations (the header signed in and out, every flash kind, the danger
 * button), focus goes to the first invalid field, and screenshots at
 * 375 px (light and dark), 1280 px (light and dark) and 200% zoom (test-output/screenshots)
 * to look at.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import {
  axeViolations,
  fillAndSubmit,
  pageWithErrors,
  SLOW,
  settled,
  shot,
  signUp,
} from './support.ts';

/** Posts a handoff that does not open, as a tampered one would be: /login then says so in an error flash. */
async function postBadHandoff(page: Page): Promise<void> {
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/handoff';
    const field = document.createElement('input');
    field.name = 'handoff';
    field.value = 'not-a-handoff';
    form.append(field);
    document.body.append(form);
    form.submit();
  });
  await expect.poll(() => page.getByRole('alert').count(), SLOW).toBe(1);
}

/**
 * Gives the page's form button the danger style: no form on main is dangerous yet (the
 * "Delete account" form will be), and the style must hold its contrast in both schemes.
 */
async function dangerButton(page: Page, name: string): Promise<void> {
  await page
    .getByRole('button', { name })
    .evaluate((button) => button.classList.add('button-danger'));
}

describeInBrowser('the pages’ accessibility', ({ server, chromium, newContext }) => {
  describe.each(['light', 'dark'] as const)('axe-core, %s colour scheme', (colorScheme) => {
    let context: BrowserContext;
    beforeAll(async () => {
      context = await chromium.newContext({ colorScheme });
    });
    afterAll(async () => {
      await context?.close();
    });

    it('finds no violations on /login, also with errors shown', async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await settled(page);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => page.getByRole('alert').count(), SLOW).toBe(1);
      expect(await axeViolations(page)).toEqual([]);
    });

    it('finds no violations on /signup', async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/signup`);
      await settled(page);
      expect(await axeViolations(page)).toEqual([]);
    });

    it('finds no violations on /change-password, also with errors shown', async () => {
      const page = await context.newPage();
      await signUp(page, server.url, `axe-change-${colorScheme}@example.com`);
      await page.getByRole('main').getByRole('link', { name: 'Change password' }).click();
      await page.waitForURL(`${server.url}/change-password`);
      await settled(page);
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => page.getByRole('alert').count(), SLOW).toBe(1);
      expect(await page.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
      expect(await axeViolations(page)).toEqual([]);
      await page.context().clearCookies();
    });

    it('finds no violations on /confirm-password, also with errors shown', async () => {
      const page = await context.newPage();
      await signUp(page, server.url, `axe-confirm-${colorScheme}@example.com`);
      await page.goto(`${server.url}/confirm-password`);
      await settled(page);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Confirm your password',
      );
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.getByRole('alert').count(), SLOW).toBe(1);
      expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe(
        'true',
      );
      expect(await axeViolations(page)).toEqual([]);
      await page.context().clearCookies();
    });

    it('finds no violations in the signed-in header, nor on a danger button, hovered too', async () => {
      const page = await context.newPage();
      await signUp(page, server.url, `axe-header-${colorScheme}@example.com`);
      await page.goto(`${server.url}/change-password`);
      await settled(page);
      await dangerButton(page, 'Change password');
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Change password' }).hover();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Log out' }).hover();
      expect(await axeViolations(page)).toEqual([]);
      await page.context().clearCookies();
    });

    it('finds no violations on a notice flash and an error flash', async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/account`);
      await page.waitForURL(`${server.url}/login`);
      await settled(page);
      const notice = page.locator('.flash-notice');
      expect(await notice.textContent()).toContain('You must log in to see that page.');
      expect(await axeViolations(page)).toEqual([]);
      await postBadHandoff(page);
      await settled(page);
      expect(await page.locator('.flash-error').count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);
    });

    it('finds no violations on /account, with its flash', async () => {
      const page = await context.newPage();
      await signUp(page, server.url, `axe-${colorScheme}@example.com`);
      await settled(page);
      expect(await page.getByText('Welcome to Baton!').count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);
      await page.context().clearCookies();
    });

    it('finds no violations on /account/delete, and shoots it at 375 px', async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width: 375, height: 740 });
      await signUp(page, server.url, `axe-delete-${colorScheme}@example.com`);
      await page.getByRole('main').getByRole('link', { name: 'Delete account' }).click();
      await page.waitForURL(`${server.url}/account/delete`);
      await settled(page);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, `delete-account-375${colorScheme === 'dark' ? '-dark' : ''}`);
      await page.context().clearCookies();
    });

    it('finds no violations on /account/sessions with two sessions, and shoots it at 375 px', async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width: 375, height: 740 });
      const email = `axe-sessions-${colorScheme}@example.com`;
      await signUp(page, server.url, email);
      const other = await newContext();
      const otherPage = await other.newPage();
      await otherPage.goto(`${server.url}/login`);
      await fillAndSubmit(otherPage, 'Log in', email, 'a long enough password');
      await otherPage.waitForURL(`${server.url}/account`);
      await other.close();
      await page.getByRole('main').getByRole('link', { name: 'Sessions' }).click();
      await page.waitForURL(`${server.url}/account/sessions`);
      await settled(page);
      expect(await page.getByRole('button', { name: 'Sign out', exact: true }).count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, `sessions-375${colorScheme === 'dark' ? '-dark' : ''}`);
      await page.context().clearCookies();
    });
  });

  it('moves focus to the first invalid field on a failed submit', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    await page.goto(`${server.url}/signup`);
    await settled(page);
    await page.getByLabel('Email').fill('focus@example.com');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('name')), SLOW)
      .toBe('password');
    const password = page.getByLabel('Password');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    // The error is the field's accessible description.
    expect(await password.evaluate((input) => input.getAttribute('aria-describedby'))).toBe(
      'signup-password-error',
    );
    expect(await page.locator('#signup-password-error').textContent()).toBe(
      'Use at least 8 characters.',
    );

    await page.getByLabel('Email').fill('');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('name')), SLOW)
      .toBe('email');
    expect(errors).toEqual([]);
  });

  it('shows a visible focus ring on the fields and the button', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await settled(page);
    await page.keyboard.press('Tab'); // the "Baton" link
    await page.keyboard.press('Tab'); // Email
    const outline = () =>
      page.evaluate(() => {
        const style = getComputedStyle(document.activeElement as Element);
        return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
      });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
    expect(await outline()).toMatchObject({ style: 'solid', width: 3 });
    await page.keyboard.press('Tab'); // Password
    await page.keyboard.press('Tab'); // Remember me
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
      'remember',
    );
    expect(await outline()).toMatchObject({ style: 'solid', width: 3 });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Log in');
    expect(await outline()).toMatchObject({ style: 'solid', width: 3 });
  });

  describe('screenshots', () => {
    const sizes = [
      { name: '375', viewport: { width: 375, height: 740 }, deviceScaleFactor: 2 },
      {
        name: '375-dark',
        viewport: { width: 375, height: 740 },
        deviceScaleFactor: 2,
        colorScheme: 'dark' as const,
      },
      { name: '1280', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
      // 200% zoom: a 1280 px window at 200% lays out as 640 CSS pixels, each drawn twice as big.
      { name: '1280-zoom-200', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
      {
        name: '1280-dark',
        viewport: { width: 1280, height: 800 },
        deviceScaleFactor: 1,
        colorScheme: 'dark' as const,
      },
    ];

    it.each(sizes)(
      'of /login with a field error, /signup, /account and /change-password at $name',
      async (size) => {
        const context = await newContext({
          viewport: size.viewport,
          deviceScaleFactor: size.deviceScaleFactor,
          colorScheme: size.colorScheme ?? 'light',
        });
        const { page, errors } = await pageWithErrors(context);

        await page.goto(`${server.url}/signup`);
        await settled(page);
        await shot(page, `signup-${size.name}`);

        await page.goto(`${server.url}/login`);
        await settled(page);
        await fillAndSubmit(page, 'Log in', 'not-an-email', 'whatever');
        await expect.poll(() => page.getByRole('alert').count(), SLOW).toBe(1);
        await expect
          .poll(() => page.getByLabel('Email').getAttribute('aria-invalid'), SLOW)
          .toBe('true');
        await shot(page, `login-error-${size.name}`);
        // Nothing is cut off or scrolls sideways at this width.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          size.viewport.width,
        );

        // A long address: it wraps in the header and the card, and nothing scrolls sideways.
        await signUp(page, server.url, `shots-${size.name}-a-rather-long-address@example.com`);
        await settled(page);
        await shot(page, `account-${size.name}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          size.viewport.width,
        );

        await page.goto(`${server.url}/change-password`);
        await settled(page);
        await page.getByLabel('Current password').fill('not the password');
        await page.getByLabel('New password').fill('short');
        await page.getByLabel('Current password').focus();
        await expect.poll(() => page.locator('.field-error').count(), SLOW).toBe(1);
        await shot(page, `change-password-${size.name}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          size.viewport.width,
        );
        await dangerButton(page, 'Change password');
        await page.getByLabel('New password').focus();
        await shot(page, `danger-button-${size.name}`);

        // Signed out: the header is the brand alone; a notice, then an error flash.
        await page.context().clearCookies();
        await page.goto(`${server.url}/account`);
        await page.waitForURL(`${server.url}/login`);
        await settled(page);
        await shot(page, `login-notice-${size.name}`);
        await postBadHandoff(page);
        await settled(page);
        await shot(page, `login-flash-error-${size.name}`);
        expect(errors).toEqual([]);
      },
    );
  });
});
