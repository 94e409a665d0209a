import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const LIMITS = {
  loginFailsPerAccount: 100,
  loginFailsPerIp: 100,
  signupsPerIp: 3,
  socketsPerIp: 4,
  framesPerSocket: 100,
};

/** Signs up through the no-JS form, with the X-Forwarded-For the proxies handed on. */
async function signUpVia(server: RunningServer, forwardedFor: string, email: string) {
  const browser = new BrowserSession(server.url);
  const response = await browser.fetch('/signup', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: server.origin,
      'x-forwarded-for': forwardedFor,
    },
    body: new URLSearchParams({ email, password: 'a fine password' }).toString(),
  });
  return response.status;
}

function upgradeStatus(server: RunningServer, cookie: string, forwardedFor: string) {
  return new Promise<number>((resolve) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/live`, {
      headers: { cookie, origin: server.origin, 'x-forwarded-for': forwardedFor },
    });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('TRUST_PROXY=1: the client IP is the entry the one proxy added', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ limits: LIMITS, trustProxy: 1 });
  });
  afterAll(() => server.stop());

  it('does not let a spoofed left-most X-Forwarded-For escape the per-IP sign-up limit, all at once', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signUpVia(server, `6.6.6.${i}, 203.0.113.50`, `spoof${i}@example.com`),
      ),
    );
    expect(count(statuses, 303)).toBe(LIMITS.signupsPerIp);
    expect(count(statuses, 429)).toBe(8 - LIMITS.signupsPerIp);
  });

  it('does not let a spoofed left-most X-Forwarded-For escape the socket door limit, all at once', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const statuses = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        upgradeStatus(server, browser.cookieHeader(), `6.6.7.${i}, 203.0.113.51`),
      ),
    );
    expect(count(statuses, 101)).toBe(LIMITS.socketsPerIp);
    expect(count(statuses, 429)).toBe(9 - LIMITS.socketsPerIp);
  });
});

describe('TRUST_PROXY=2: the client IP is the second entry from the right', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ limits: { ...LIMITS, signupsPerIp: 1 }, trustProxy: 2 });
  });
  afterAll(() => server.stop());

  it('counts the client the outer proxy saw, not what it wrote nor the inner hop', async () => {
    expect(await signUpVia(server, '6.6.6.1, 198.51.100.20, 10.0.0.1', 'two1@example.com')).toBe(
      303,
    );
    // Same client, another spoofed entry and another inner hop: still the same client.
    expect(await signUpVia(server, '6.6.6.2, 198.51.100.20, 10.0.0.2', 'two2@example.com')).toBe(
      429,
    );
    // Another client behind the same hops is counted on its own.
    expect(await signUpVia(server, '6.6.6.1, 198.51.100.21, 10.0.0.1', 'two3@example.com')).toBe(
      303,
    );
  });
});
