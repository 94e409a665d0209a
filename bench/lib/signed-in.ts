/**
 * Signed-in browsers for the socket benchmarks: each one a binding of its own and a session
 * of its own, made the way a browser gets one (a handoff sealed for it, posted to
 * `/handoff`), so that its live socket is what an open account page holds.
 */
import { randomBytes } from 'node:crypto';
import { sealHandoff } from '../../server/handoff/seal.ts';
import { createKeyRing } from '../../server/keys/keyring.ts';
import type { ServerChild } from './child.ts';

/** Redeems at once while signing the browsers in. */
const CONCURRENCY = 16;

/**
 * Signs `n` browsers in to a fresh account on `server` (a Baton child sealing with `secret`);
 * resolves with each browser's socket headers: its cookies and an allowed Origin.
 */
export async function signedInBrowsers(
  server: ServerChild,
  secret: string,
  n: number,
): Promise<Record<string, string>[]> {
  const ring = createKeyRing([secret]);
  const accountId = await server.request<string>({
    cmd: 'account',
    email: `sockets-${randomBytes(6).toString('hex')}@example.com`,
    password: 'a long enough password',
  });
  const headers = new Array<Record<string, string>>(n);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < n) {
      const i = next++;
      const binding = randomBytes(32).toString('base64url');
      const handoff = sealHandoff(
        ring,
        {
          binding,
          destination: '/account',
          change: { kind: 'sign-in', accountId, credentialVersion: 0, remember: false },
          flash: [],
        },
        { ttlSeconds: 900 },
      );
      const response = await fetch(`${server.url}/handoff`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `baton.bind=${binding}`,
          origin: server.url,
        },
        body: new URLSearchParams({ handoff }).toString(),
      });
      await response.arrayBuffer();
      const cookies = [`baton.bind=${binding}`];
      for (const line of response.headers.getSetCookie()) {
        const pair = line.split(';')[0] ?? '';
        if (pair.startsWith('baton.sid')) cookies.push(pair);
      }
      if (response.headers.get('location') !== '/account' || cookies.length < 2) {
        throw new Error(
          `signing a benchmark browser in answered ${response.status} ${response.headers.get('location')}`,
        );
      }
      headers[i] = { cookie: cookies.join('; '), origin: server.url };
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  return headers;
}
