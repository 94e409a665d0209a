import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

const form = { email: 'guard@example.com', password: 'a fine password' };

function post(path: string, headers: Record<string, string>) {
  return fetch(server.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

const REFUSED =
  'This form was sent from another site, so it was refused. Open the page here and try again.';

describe('the Origin rule for posts', () => {
  const routes = ['/login', '/signup', '/handoff', '/logout'];

  async function expectRefused(headers: Record<string, string>) {
    for (const path of routes) {
      const response = await post(path, headers);
      expect(response.status, path).toBe(403);
      expect(await response.text(), path).toBe(REFUSED);
      expect(response.headers.getSetCookie(), path).toEqual([]);
    }
  }

  it('refuses a cross-site post on every state-changing route', async () => {
    await expectRefused({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
  });

  it('refuses a same-site post from another port (a sibling the browser calls same-site)', async () => {
    const otherPort = server.origin.replace(/:\d+$/, ':1');
    await expectRefused({ 'sec-fetch-site': 'same-site', origin: otherPort });
  });

  it('refuses Origin: null, whatever Sec-Fetch-Site says', async () => {
    await expectRefused({ origin: 'null' });
    await expectRefused({ origin: 'null', 'sec-fetch-site': 'same-origin' });
  });

  it('refuses a foreign Origin even when Sec-Fetch-Site claims same-origin', async () => {
    await expectRefused({ origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' });
  });

  it('refuses a post with no Origin unless Sec-Fetch-Site is same-origin', async () => {
    await expectRefused({ 'sec-fetch-site': 'none' });
    await expectRefused({ 'sec-fetch-site': 'same-site' });
    await expectRefused({});
  });

  it('lets a post with no Origin and Sec-Fetch-Site: same-origin through', async () => {
    expect((await post('/signup', { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect((await post('/logout', { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect((await post('/handoff', { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('lets a post from one of our origins through, with or without Fetch Metadata', async () => {
    expect(
      (await post('/login', { 'sec-fetch-site': 'same-origin', origin: server.origin })).status,
    ).toBe(303);
    expect((await post('/login', { origin: server.origin })).status).toBe(303);
    expect((await post('/logout', { origin: server.origin })).status).toBe(303);
  });

  it('refuses a same-site sign-out, so a page on another port cannot end a session', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await browser.post('/signup', { email: 'victim@example.com', password: 'a fine password' });
    const forced = await browser.fetch('/logout', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.origin.replace(/:\d+$/, ':1'),
        'sec-fetch-site': 'same-site',
      },
    });
    expect(forced.status).toBe(403);
    const account = await browser.fetch('/account');
    expect(account.status).toBe(200);
  });
});

describe('security headers', () => {
  it('sends a strict Content-Security-Policy and friends on every page', async () => {
    const response = await fetch(`${server.url}/login`);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';font-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none';object-src 'none'",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('sends the same fixed set of security headers on a redeem as on a page', async () => {
    const names = [
      'content-security-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'x-content-type-options',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ];
    const page = await fetch(`${server.url}/login`);
    const redeem = await post('/handoff', { origin: server.origin });
    expect(redeem.status).toBe(303);
    // The redeem tightens the referrer policy for its own redirect (it held a handoff).
    for (const [response, referrerPolicy] of [
      [page, 'same-origin'],
      [redeem, 'no-referrer'],
    ] as const) {
      expect(Object.fromEntries(names.map((name) => [name, response.headers.get(name)]))).toEqual({
        'content-security-policy': page.headers.get('content-security-policy'),
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'referrer-policy': referrerPolicy,
        'x-content-type-options': 'nosniff',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBeNull();
    }
  });

  it('has no inline script in the page, only the inert JSON data', async () => {
    const html = await (await fetch(`${server.url}/signup`)).text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    for (const [, attributes, body] of scripts) {
      if ((body ?? '').trim() !== '') expect(attributes).toContain('type="application/json"');
    }
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });
});

describe('served over HTTPS', () => {
  it('names cookies __Host- and marks them Secure, and sends HSTS', async () => {
    const secure = await startServer({ secureCookies: true });
    try {
      const browser = new BrowserSession(secure.url);
      const response = await browser.fetch('/signup');
      const [binding] = response.headers.getSetCookie();
      expect(binding).toMatch(
        /^__Host-baton\.bind=[A-Za-z0-9_-]{43}; path=\/; expires=.*; samesite=lax; secure; httponly$/,
      );
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
      const signup = await browser.post('/signup', form);
      const names = signup.headers.getSetCookie().map((line) => line.split('=')[0]);
      expect(names).toEqual(
        expect.arrayContaining(['__Host-baton.sid', '__Host-baton.sid.sig', '__Host-baton.flash']),
      );
      expect(signup.headers.getSetCookie().every((line) => /; secure; httponly$/.test(line))).toBe(
        true,
      );
    } finally {
      await secure.stop();
    }
  });
});
