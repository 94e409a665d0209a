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

describe('cross-site posts', () => {
  it('refuses a post whose Sec-Fetch-Site is cross-site on every state-changing route', async () => {
    for (const path of ['/login', '/signup', '/handoff', '/logout']) {
      const response = await post(path, {
        'sec-fetch-site': 'cross-site',
        origin: 'https://evil.example',
      });
      expect(response.status, path).toBe(403);
      expect(await response.text()).toBe(
        'This form was sent from another site, so it was refused. Open the page here and try again.',
      );
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it('refuses a foreign Origin when the browser sends no Fetch Metadata', async () => {
    expect((await post('/signup', { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('lets same-origin posts through', async () => {
    expect(
      (await post('/signup', { 'sec-fetch-site': 'same-origin', origin: server.origin })).status,
    ).toBe(303);
    expect((await post('/login', { origin: server.origin })).status).toBe(303);
  });
});

describe('security headers', () => {
  it('sends a strict Content-Security-Policy and friends on every page', async () => {
    const response = await fetch(`${server.url}/login`);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';font-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none';object-src 'none'",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
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
      'x-frame-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ];
    const page = await fetch(`${server.url}/login`);
    const redeem = await post('/handoff', { origin: server.origin });
    expect(redeem.status).toBe(303);
    for (const response of [page, redeem]) {
      expect(Object.fromEntries(names.map((name) => [name, response.headers.get(name)]))).toEqual({
        'content-security-policy': page.headers.get('content-security-policy'),
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'origin-agent-cluster': '?1',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-frame-options': 'SAMEORIGIN',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
      expect(response.headers.get('x-powered-by')).toBeNull();
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
