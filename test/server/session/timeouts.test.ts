import { afterEach, describe, expect, it } from 'vitest';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function signedIn(s: RunningServer, email: string) {
  const browser = new BrowserSession(s.url);
  expect((await browser.post('/signup', { email, password: 'a fine password' })).status).toBe(303);
  expect((await browser.fetch('/account')).status).toBe(200);
  return browser;
}

describe('session timeouts', () => {
  it('ends a session idle for longer than the idle timeout, and closes its socket', async () => {
    server = await startServer({ timeouts: { idleMs: 800, absoluteMs: 60_000 } });
    const browser = await signedIn(server, 'idle@example.com');
    const live = await browser.openSocket();
    expect(await live.waitFor((m) => m.type === 'session-ended', 3000)).toEqual({
      type: 'session-ended',
      reason: 'expired',
    });
    expect((await live.closed).code).toBe(4001);
    const response = await browser.fetch('/account');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    const login = await (await browser.fetch('/login')).text();
    expect(login).toContain('Your session has ended. Log in again to continue.');
    expect(await (await browser.fetch('/login')).text()).not.toContain('Your session has ended');
  });

  it('says nothing of an ended session after this browser signs out itself', async () => {
    server = await startServer();
    const browser = await signedIn(server, 'leaver@example.com');
    expect((await browser.post('/logout', {})).headers.get('location')).toBe('/login');
    const login = await (await browser.fetch('/login')).text();
    expect(login).toContain('Log in');
    expect(login).not.toContain('Your session has ended');
  });

  it('leaves a form post made with an ended session to its own outcome', async () => {
    server = await startServer({ timeouts: { idleMs: 60_000, absoluteMs: 700 } });
    const browser = await signedIn(server, 'poster@example.com');
    await sleep(900);
    const post = await browser.post('/login', {
      email: 'poster@example.com',
      password: 'a fine password',
    });
    expect(post.headers.get('location')).toBe('/account');
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain('poster@example.com');
    expect(account).toContain('Welcome back');
    expect(account).not.toContain('Your session has ended');
  });

  it('ends a session at the absolute timeout', async () => {
    server = await startServer({ timeouts: { idleMs: 60_000, absoluteMs: 700 } });
    const browser = await signedIn(server, 'absolute@example.com');
    await sleep(900);
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    // And the stored session is gone, not merely ignored.
    expect((await browser.fetch('/')).headers.get('location')).toBe('/login');
  });
});

describe('sign-up rules only the server applies', () => {
  it('refuses one of the most common passwords', async () => {
    server = await startServer();
    const browser = new BrowserSession(server.url);
    const response = await browser.post('/signup', {
      email: 'common@example.com',
      password: 'Password123',
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain(
      'This password is among the most common ones. Choose another.',
    );
    await browser.fetch('/signup');
    const live = await browser.openSocket();
    expect(
      await live.request({
        type: 'validate',
        form: 'signup',
        fields: { email: 'a@b.co', password: 'iloveyou' },
      }),
    ).toEqual({
      type: 'validated',
      ref: 1,
      errors: { password: 'This password is among the most common ones. Choose another.' },
    });
    live.close();
  });
});
