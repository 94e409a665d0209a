import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

const fields = (email: string) => ({ email, password: 'a fine password' });

describe('page routes', () => {
  it('sends a signed-out visitor from / and /account to /login', async () => {
    const browser = new BrowserSession(server.url);
    for (const path of ['/', '/account']) {
      const response = await browser.fetch(path);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/login');
    }
  });

  it('serves the live forms with their labels and a binding cookie', async () => {
    const browser = new BrowserSession(server.url);
    for (const [path, button] of [
      ['/login', 'Log in'],
      ['/signup', 'Sign up'],
    ]) {
      const response = await browser.fetch(path as string);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      expect(html).toContain('>Email<');
      expect(html).toContain('>Password<');
      expect(html).toContain(`>${button}<`);
      expect(html).toContain(`action="${path}"`);
    }
    const binding = browser.cookies.get('baton.bind');
    expect(binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await browser.fetch('/login');
    expect(browser.cookies.get('baton.bind')).toBe(binding);
  });
});

describe('forms without JavaScript', () => {
  it('signs up, lands on /account with a welcome, and / then leads there', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    const response = await browser.post('/signup', fields('plain@example.com'));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
    const html = await (await browser.fetch('/account')).text();
    expect(html).toContain('plain@example.com');
    expect(html).toContain('Welcome to Baton!');
    expect(html).toContain('>Log out<');
    expect((await browser.fetch('/')).headers.get('location')).toBe('/account');
    expect((await browser.fetch('/login')).headers.get('location')).toBe('/account');
    expect((await browser.fetch('/signup')).headers.get('location')).toBe('/account');
  });

  it('logs in with "Welcome back" once, and logs out', async () => {
    const browser = new BrowserSession(server.url);
    await browser.post('/signup', fields('again@example.com'));
    await browser.post('/logout', {});
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    const login = await browser.post('/login', fields('AGAIN@example.com'));
    expect(login.headers.get('location')).toBe('/account');
    expect(await (await browser.fetch('/account')).text()).toContain('Welcome back');
    expect(await (await browser.fetch('/account')).text()).not.toContain('Welcome back');
  });

  it('leaves the flash to the tab that signed in when another tab loads /account first', async () => {
    const browser = new BrowserSession(server.url);
    await browser.post('/signup', fields('tabs@example.com'));

    const otherTab = await (await browser.fetch('/account?from=other-tab')).text();
    expect(otherTab).toContain('tabs@example.com');
    expect(otherTab).not.toContain('Welcome to Baton!');

    expect(await (await browser.fetch('/account')).text()).toContain('Welcome to Baton!');
  });

  it('renews the session id at sign-in, so the id it replaced signs no one in', async () => {
    const browser = new BrowserSession(server.url);
    await browser.post('/signup', fields('renew@example.com'));
    const first = browser.cookies.get('baton.sid') as string;
    const firstSignature = browser.cookies.get('baton.sid.sig') as string;
    expect((await browser.fetch('/account')).status).toBe(200);
    // Signed in already, the browser signs in again: the old id must be replaced.
    await browser.post('/login', fields('renew@example.com'));
    expect(browser.cookies.get('baton.sid')).not.toBe(first);
    expect((await browser.fetch('/account')).status).toBe(200);
    // The old id, with its own valid signature (as a thief who copied the cookie would hold
    // it), no longer signs anyone in: the server dropped the session it named.
    const planted = new BrowserSession(server.url);
    planted.cookies.set('baton.sid', first);
    planted.cookies.set('baton.sid.sig', firstSignature);
    const response = await planted.fetch('/account');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
  });

  it('shows errors beside the fields and keeps the email, never the password', async () => {
    const browser = new BrowserSession(server.url);
    const response = await browser.post('/signup', { email: 'bad<script>@', password: 'hunter2' });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('Use at least 8 characters.');
    expect(html).toContain('role="alert"');
    // Kept in the quoted value attribute, where only the quote and & need escaping.
    expect(html).toContain('value="bad<script>@"');
    const page = new new Window().DOMParser().parseFromString(
      html,
      'text/html',
    ) as unknown as Document;
    expect(page.querySelector<HTMLInputElement>('input[name="email"]')?.value).toBe('bad<script>@');
    expect(page.querySelectorAll('script')).toHaveLength(2); // the page's module and its data
    expect(html).not.toContain('hunter2');
  });

  it('refuses a wrong password with the same words as an unknown email', async () => {
    const browser = new BrowserSession(server.url);
    await browser.post('/signup', fields('known@example.com'));
    await browser.post('/logout', {});
    const wrong = await (
      await browser.post('/login', { email: 'known@example.com', password: 'not the password' })
    ).text();
    const unknown = await (
      await browser.post('/login', { email: 'unknown@example.com', password: 'not the password' })
    ).text();
    expect(wrong).toContain('That email and password do not match an account.');
    expect(unknown).toContain('That email and password do not match an account.');
  });
});

describe('GET /healthz', () => {
  it('reports the store', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, store: 'sqlite' });
  });

  it('answers 503 with a generic reason when the store cannot be reached', async () => {
    const broken = await startServer();
    await broken.store.close();
    const response = await fetch(`${broken.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ok: false,
      store: 'sqlite',
      reason: 'store unreachable',
    });
    await broken.stop();
  });
});
