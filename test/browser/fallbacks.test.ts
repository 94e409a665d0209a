/**
 * The forms when things fail: JavaScript off, the live socket blocked, the socket killed
 * while the person types, and a submit's reply lost with the connection.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInBrowser } from './in-browser.ts';
import {
  fillAndSubmit,
  PASSWORD,
  pageWithErrors,
  reconnecting,
  recordPosts,
  shot,
  signUp,
} from './support.ts';

/** Reconnecting takes a few backoff steps; give polls room for them. */
const SLOW = { timeout: 15_000, interval: 50 };

// The door reads `origins` on every upgrade: emptying it refuses new sockets with 403, while
// same-origin form posts still pass (the browser marks them Sec-Fetch-Site: same-origin).
describeInBrowser('forms when JavaScript or the live socket fails', (inBrowser) => {
  const { server, newContext, origins } = inBrowser;

  it('signs up, logs out and logs in with JavaScript disabled', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const posts = recordPosts(page);

    await page.goto(`${server.url}/signup`);
    await fillAndSubmit(page, 'Sign up', 'no-script@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByRole('main').getByText('no-script@example.com').count()).toBe(1);
    expect(await page.getByText('Welcome to Baton!').count()).toBe(1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);

    // A wrong password comes back as the server's page, with the error as an alert.
    await fillAndSubmit(page, 'Log in', 'no-script@example.com', 'not the password');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('do not match');
    expect(await page.getByLabel('Email').inputValue()).toBe('no-script@example.com');
    await shot(page, 'login-no-javascript-refused');

    await fillAndSubmit(page, 'Log in', 'no-script@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByText('Welcome back').count()).toBe(1);
    expect(posts).toEqual(['/signup', '/logout', '/login', '/login']);
  });

  it('changes the password with JavaScript disabled', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const posts = recordPosts(page);
    await page.goto(`${server.url}/signup`);
    await fillAndSubmit(page, 'Sign up', 'no-script-change@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`);

    await page.getByRole('main').getByRole('link', { name: 'Change password' }).click();
    await page.waitForURL(`${server.url}/change-password`);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill('another fine password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByText('Your password is changed.').count()).toBe(1);
    expect(posts).toEqual(['/signup', '/change-password']);
  });

  it('signs in over plain HTTP when the live socket cannot connect', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    let attempts = 0;
    await page.routeWebSocket('**/live', (ws) => {
      attempts++;
      ws.close();
    });
    const posts = recordPosts(page);

    await page.goto(`${server.url}/signup`);
    await fillAndSubmit(page, 'Sign up', 'blocked@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByText('Welcome to Baton!').count()).toBe(1);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);

    await expect.poll(() => reconnecting(page).count(), SLOW).toBe(1);
    await shot(page, 'login-socket-blocked');
    await fillAndSubmit(page, 'Log in', 'blocked@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`);
    expect(await page.getByText('Welcome back').count()).toBe(1);

    expect(attempts).toBeGreaterThan(0);
    expect(posts).toEqual(['/signup', '/logout', '/login']);
    expect(errors).toEqual([]);
  });

  it('says "Reconnecting…" when the socket dies mid-typing, keeps the text, and recovers', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    const posts = recordPosts(page);
    await page.goto(`${server.url}/signup`);
    await expect.poll(() => server.baton.live.clients.size, SLOW).toBe(1);

    const email = page.getByLabel('Email');
    const password = page.getByLabel('Password');
    await email.pressSequentially('mid-typing@exa');
    // Kill the socket from the server's side, and refuse new ones for now.
    origins.length = 0;
    for (const ws of server.baton.live.clients) ws.terminate();
    await expect.poll(() => reconnecting(page).count(), SLOW).toBe(1);

    await email.pressSequentially('mple.com');
    await password.pressSequentially(PASSWORD);
    expect(await email.inputValue()).toBe('mid-typing@example.com');
    expect(await password.inputValue()).toBe(PASSWORD);
    await shot(page, 'signup-reconnecting');

    origins.push(server.url);
    await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
    await expect.poll(() => server.baton.live.clients.size, SLOW).toBe(1);
    expect(await email.inputValue()).toBe('mid-typing@example.com');
    expect(await password.inputValue()).toBe(PASSWORD);

    // Back on the socket: the submit goes over it and is redeemed as a handoff.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${server.url}/account`);
    expect(posts).toEqual(['/handoff']);
    expect(errors.filter((error) => !error.includes('/live'))).toEqual([]);
  });

  /**
   * Routes the page's live socket to the server, but loses the first `accepted` reply:
   * the page's socket is closed instead, as if the connection dropped just then.
   */
  async function loseFirstAcceptedReply(page: Page): Promise<{ submits: () => number }> {
    let submits = 0;
    let lost = false;
    await page.routeWebSocket('**/live', (ws: WebSocketRoute) => {
      const upstream = ws.connectToServer();
      ws.onMessage((message) => {
        if (String(message).includes('"type":"submit"')) submits++;
        upstream.send(message);
      });
      upstream.onMessage((message) => {
        if (!lost && String(message).includes('"type":"accepted"')) {
          lost = true;
          void ws.close({ code: 1012, reason: 'lost with the connection' });
          void upstream.close();
          return;
        }
        ws.send(message);
      });
    });
    return { submits: () => submits };
  }

  it('resends a sign-up whose reply was lost, and signs the person up once', async () => {
    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    const lost = await loseFirstAcceptedReply(page);
    const posts = recordPosts(page);

    await page.goto(`${server.url}/signup`);
    await expect.poll(() => server.baton.live.clients.size, SLOW).toBeGreaterThan(0);
    await fillAndSubmit(page, 'Sign up', 'lost-reply@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`, SLOW);

    expect(lost.submits()).toBe(2);
    expect(posts).toEqual(['/handoff']);
    expect(await page.getByText('Welcome to Baton!').count()).toBe(1);
    expect(await page.getByRole('main').getByText('lost-reply@example.com').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('resends a log-in whose reply was lost, and redeems one handoff', async () => {
    const first = await newContext();
    await signUp(await first.newPage(), server.url, 'lost-login@example.com');
    await first.close();

    const context = await newContext();
    const { page, errors } = await pageWithErrors(context);
    const lost = await loseFirstAcceptedReply(page);
    const posts = recordPosts(page);

    await page.goto(`${server.url}/login`);
    await expect.poll(() => server.baton.live.clients.size, SLOW).toBeGreaterThan(0);
    await fillAndSubmit(page, 'Log in', 'lost-login@example.com', PASSWORD);
    await page.waitForURL(`${server.url}/account`, SLOW);

    expect(lost.submits()).toBe(2);
    expect(posts).toEqual(['/handoff']);
    expect(await page.getByText('Welcome back').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
