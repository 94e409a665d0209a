/**
 * Going live without a visible change: the page's entry hydrates the markup the server
 * rendered, keeping its nodes, what the person typed before the script ran and the focus.
 */
import { expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import { pageWithErrors, SLOW, signUp } from './support.ts';

describeInBrowser('hydration', ({ server, newContext }) => {
  it('keeps the nodes, what was typed before the script ran and the focus, then signs in with it', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    await signUp(page, server.url, 'early-typist@example.com');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);

    // Hold the page's script back until the person has typed.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/assets/form-*.js', async (route) => {
      await held;
      await route.continue();
    });
    // Module scripts hold DOMContentLoaded back: wait for the form itself.
    await page.goto(`${server.url}/login`, { waitUntil: 'commit' });
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email').fill('early-typist@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.evaluate(() => {
      (window as unknown as { before: Element[] }).before = [
        ...document.querySelectorAll('#app *'),
      ];
    });
    // Without the script, the browser's own checks guard the plain form.
    expect(await page.locator('form[novalidate]').count()).toBe(0);

    release();
    // Live: the form leaves the checks to the server.
    await expect.poll(() => page.locator('form[novalidate]').count(), SLOW).toBe(1);
    const kept = await page.evaluate(() => {
      const before = (window as unknown as { before: Element[] }).before;
      const after = [...document.querySelectorAll('#app *')];
      return before.length === after.length && before.every((node, i) => node === after[i]);
    });
    expect(kept).toBe(true);
    expect(await page.getByLabel('Email').inputValue()).toBe('early-typist@example.com');
    expect(await page.getByLabel('Password').inputValue()).toBe('a long enough password');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
      'password',
    );

    // The live form sends what was typed before it went live.
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/account`);
    await expect
      .poll(() => page.getByRole('status').first().textContent(), SLOW)
      .toContain('Welcome back');
    expect(errors).toEqual([]);
  });

  it('keeps the header’s account part as the server wrote it (its code is not in the script), and it works', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    await signUp(page, server.url, 'header-keeper@example.com');
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/assets/form-*.js', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}/change-password`, { waitUntil: 'commit' });
    const nav = page.getByRole('navigation', { name: 'Account' });
    await nav.waitFor();
    await page.evaluate(() => {
      (window as unknown as { before: Element[] }).before = [
        ...document.querySelectorAll('#app *'),
      ];
    });

    release();
    await expect.poll(() => page.locator('form[novalidate]').count(), SLOW).toBe(1);
    const kept = await page.evaluate(() => {
      const before = (window as unknown as { before: Element[] }).before;
      const after = [...document.querySelectorAll('#app *')];
      return before.length === after.length && before.every((node, i) => node === after[i]);
    });
    expect(kept).toBe(true);
    expect(await nav.getByText('header-keeper@example.com').count()).toBe(1);
    expect(
      await nav.getByRole('link', { name: 'Change password' }).getAttribute('aria-current'),
    ).toBe('page');
    await nav.getByRole('link', { name: 'Sessions' }).click();
    await page.waitForURL(`${server.url}/account/sessions`);
    await page
      .getByRole('navigation', { name: 'Account' })
      .getByRole('button', { name: 'Log out' })
      .click();
    await page.waitForURL(`${server.url}/login`);
    expect(errors).toEqual([]);
  });

  it('shows the flash’s dismiss button once live, and it dismisses the message', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    await signUp(page, server.url, 'dismisser@example.com');
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    await expect.poll(() => dismiss.isVisible(), SLOW).toBe(true);
    await dismiss.click();
    await expect.poll(() => page.locator('.flash').count(), SLOW).toBe(0);
    expect(errors).toEqual([]);
  });

  it('keeps the dismiss button hidden without JavaScript', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Email').fill('no-js-flash@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(await page.locator('.flash').count()).toBe(1);
    expect(await page.locator('.flash-dismiss').isVisible()).toBe(false);
  });
});
