import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import { liveOpen, markLiveSocket, pageWithErrors, reconnecting, shot } from './support.ts';

describeInBrowser('signing in in a real browser', ({ server, newContext }) => {
  it('signs up, signs out, signs in again with "Welcome back", and a reload shows no flash', async () => {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const { page, errors } = await pageWithErrors(context);

    await page.goto(`${server.url}/signup`);
    await expect.poll(() => reconnecting(page).count()).toBe(0);
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await shot(page, 'signup');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);
    await expect.poll(() => page.getByText('grace@example.com').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('Welcome to Baton!').count()).toBe(1);
    await shot(page, 'account-after-signup');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);
    await shot(page, 'login');

    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/account`);
    await expect.poll(() => page.getByText('Welcome back').count()).toBe(1);
    await shot(page, 'account-after-login');

    await page.reload();
    await expect.poll(() => page.getByText('grace@example.com').count()).toBeGreaterThan(0);
    expect(await page.getByText('Welcome back').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('changes the password over the live form and signs in with the new one', async () => {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Email').fill('changer@example.com');
    await page.getByLabel('Password').fill('the first password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);

    // The header's link to it, as on every signed-in page.
    await page
      .getByRole('navigation', { name: 'Account' })
      .getByRole('link', { name: 'Change password' })
      .click();
    await page.waitForURL(`${server.url}/change-password`);
    await expect.poll(() => reconnecting(page).count()).toBe(0);
    await page.getByLabel('Current password').fill('not the first password');
    await page.getByLabel('New password').fill('the second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Your current password was not right. Nothing was changed.');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
      'password',
    );
    // A refusal keeps no password: both are typed again.
    expect(await page.getByLabel('Current password').inputValue()).toBe('');
    expect(await page.getByLabel('New password').inputValue()).toBe('');
    await shot(page, 'change-password-refused');

    await page.getByLabel('Current password').fill('the first password');
    await page.getByLabel('New password').fill('the second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${server.url}/account`);
    await expect.poll(() => page.getByText('Your password is changed.').count()).toBe(1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.getByLabel('Email').fill('changer@example.com');
    await page.getByLabel('Password').fill('the second password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(errors).toEqual([]);
  });

  it('keeps the page that changed the password on its way to /account when its old session ends', async () => {
    const context = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Email').fill('leaving@example.com');
    await page.getByLabel('Password').fill('the first password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);
    await page.goto(`${server.url}/change-password`);
    await expect.poll(() => reconnecting(page).count()).toBe(0);

    // The redeem replaces this page's session and announces its end to this page's socket.
    // Hold the redirect to /account until that notice has arrived, so the page is still
    // there to hear it: the race, made certain.
    let noticed: () => void = () => {};
    const notice = new Promise<void>((resolve) => {
      noticed = resolve;
    });
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        if (String(payload).includes('session-ended')) noticed();
      }),
    );
    await page.route(`${server.url}/account`, async (route) => {
      await notice;
      await route.continue();
    });
    const visited: string[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest()) visited.push(new URL(request.url()).pathname);
    });

    await page.getByLabel('Current password').fill('the first password');
    await page.getByLabel('New password').fill('the second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${server.url}/account`);
    await expect.poll(() => page.getByText('Your password is changed.').count()).toBe(1);
    expect(visited).toEqual(['/handoff', '/account']);
    expect(errors).toEqual([]);
  });

  it('sends another device to /login with a word on why when a password change ends its session', async () => {
    const here = await newContext({ viewport: { width: 1280, height: 800 } });
    const there = await newContext({ viewport: { width: 1280, height: 800 } });
    const page = await here.newPage();
    const elsewhere = await there.newPage();
    const signIn = async (on: Page, button: 'Sign up' | 'Log in') => {
      await on.goto(`${server.url}/${button === 'Sign up' ? 'signup' : 'login'}`);
      await on.getByLabel('Email').fill('two-devices@example.com');
      await on.getByLabel('Password').fill('the first password');
      await on.getByRole('button', { name: button }).click();
      await on.waitForURL(`${server.url}/account`);
    };
    await signIn(page, 'Sign up');
    await signIn(elsewhere, 'Log in');
    await expect.poll(() => reconnecting(elsewhere).count()).toBe(0);

    await page.goto(`${server.url}/change-password`);
    await page.getByLabel('Current password').fill('the first password');
    await page.getByLabel('New password').fill('the second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${server.url}/account`);

    await elsewhere.waitForURL(`${server.url}/login`);
    await expect
      .poll(() =>
        elsewhere
          .getByRole('status')
          .filter({ hasText: 'You were signed out because your password was changed.' })
          .count(),
      )
      .toBe(1);
    await shot(elsewhere, 'session-ended-elsewhere');
    await elsewhere.reload();
    expect(await elsewhere.getByText('Your session has ended').count()).toBe(0);
  });

  it('shows an error beside the field while typing an invalid email', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/signup`);
    const email = page.getByLabel('Email');
    await email.fill('not-an-email');
    await email.blur();
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    await expect
      .poll(() => page.getByText('Enter an email address like name@example.com.').count())
      .toBe(1);
    await shot(page, 'signup-invalid-email');
  });

  it('signs in with the handoff never appearing in the URL or history', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Email').fill('history@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);
    const handoffPost = urls.filter((u) => u.includes('/handoff'));
    expect(handoffPost).toEqual([`${server.url}/handoff`]);
    expect(urls.every((u) => !u.includes('handoff='))).toBe(true);
  });

  it("moves the browser's other tab to the account page, leaving the flash to the tab that signed in", async () => {
    const context = await newContext();
    // Marks each page once its live socket is open, so the sign-in cannot beat the other tab's socket.
    await markLiveSocket(context);
    const signingIn = await context.newPage();
    await signingIn.goto(`${server.url}/signup`);
    const otherTab = await context.newPage();
    await otherTab.goto(`${server.url}/login`);
    await liveOpen(signingIn);
    await liveOpen(otherTab);

    await signingIn.getByLabel('Email').fill('two-tabs@example.com');
    await signingIn.getByLabel('Password').fill('a long enough password');
    await signingIn.getByRole('button', { name: 'Sign up' }).click();

    await otherTab.waitForURL(`${server.url}/account?from=other-tab`, { timeout: 5_000 });
    await expect.poll(() => otherTab.getByText('two-tabs@example.com').count()).toBeGreaterThan(0);
    expect(await otherTab.getByText('Welcome to Baton!').count()).toBe(0);
    await signingIn.waitForURL(`${server.url}/account`);
    await expect.poll(() => signingIn.getByText('Welcome to Baton!').count()).toBe(1);
  });
});
