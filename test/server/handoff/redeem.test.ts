import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHandoff, sealHandoff } from '../../../server/handoff/seal.ts';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer, TEST_SECRET } from '../../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

/** A browser that has loaded /signup, opened the socket and been accepted: returns its handoff. */
async function signUpOverSocket(browser: BrowserSession, email: string): Promise<string> {
  await browser.fetch('/signup');
  const live = await browser.openSocket();
  const reply = await live.request({
    type: 'submit',
    form: 'signup',
    fields: { email, password: 'correct horse 1' },
  });
  live.close();
  if (reply.type !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(reply)}`);
  return reply.handoff;
}

async function accountPage(browser: BrowserSession) {
  const response = await browser.fetch('/account');
  return {
    status: response.status,
    location: response.headers.get('location'),
    html: await response.text(),
  };
}

describe('POST /handoff', () => {
  it('signs the browser in, renews the session id and shows the welcome once', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await signUpOverSocket(browser, 'Ada@Example.com ');
    const before = browser.cookies.get('baton.sid');
    const response = await browser.post('/handoff', { handoff });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const after = browser.cookies.get('baton.sid');
    expect(after).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);

    const first = await accountPage(browser);
    expect(first.status).toBe(200);
    expect(first.html).toContain('ada@example.com');
    expect(first.html).toContain('Welcome to Baton!');
    const reload = await accountPage(browser);
    expect(reload.html).toContain('ada@example.com');
    expect(reload.html).not.toContain('Welcome to Baton!');
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await signUpOverSocket(browser, 'cookies@example.com');
    const response = await browser.post('/handoff', { handoff });
    const sid = response.headers.getSetCookie().find((line) => line.startsWith('baton.sid='));
    expect(sid).toMatch(/; httponly/i);
    expect(sid).toMatch(/; samesite=lax/i);
  });

  it('refuses the same handoff a second time, leaving the session as it was', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await signUpOverSocket(browser, 'twice@example.com');
    await browser.post('/handoff', { handoff });
    const sid = browser.cookies.get('baton.sid');
    const replay = await browser.post('/handoff', { handoff });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/login');
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('baton.sid='))).toBe(false);
    expect(browser.cookies.get('baton.sid')).toBe(sid);
    const login = await browser.fetch('/login');
    expect(login.status).toBe(303); // still signed in, so /login sends it on
  });

  it('refuses a handoff redeemed in another browser, and the owner can still redeem it', async () => {
    const owner = new BrowserSession(server.url);
    const thief = new BrowserSession(server.url);
    await thief.fetch('/login'); // the thief has a binding cookie of its own
    const handoff = await signUpOverSocket(owner, 'owner@example.com');

    const stolen = await thief.post('/handoff', { handoff });
    expect(stolen.headers.get('location')).toBe('/login');
    expect(thief.cookies.has('baton.sid')).toBe(false);
    const page = await thief.fetch('/login');
    expect(await page.text()).toContain('That sign-in was started in another browser.');

    const redeemed = await owner.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/account');
    expect((await accountPage(owner)).html).toContain('owner@example.com');
  });

  it('redeems exactly one of 50 concurrent posts of one handoff', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await signUpOverSocket(browser, 'race@example.com');
    const cookie = browser.cookieHeader();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${server.url}/handoff`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            cookie,
            'content-type': 'application/x-www-form-urlencoded',
            origin: server.origin,
          },
          body: new URLSearchParams({ handoff }).toString(),
        }),
      ),
    );
    const locations = responses.map((r) => r.headers.get('location'));
    expect(responses.every((r) => r.status === 303)).toBe(true);
    expect(locations.filter((l) => l === '/account')).toHaveLength(1);
    expect(locations.filter((l) => l === '/login')).toHaveLength(49);
  });

  it('refuses an expired handoff with a plain message', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const binding = browser.cookies.get('baton.bind') as string;
    const ring = createKeyRing([TEST_SECRET]);
    const handoff = sealHandoff(
      ring,
      {
        binding,
        destination: '/account',
        change: { kind: 'sign-in', accountId: 'nobody', credentialVersion: 0, remember: false },
        flash: [],
      },
      { ttlSeconds: 60, now: Date.now() - 61_000 },
    );
    expect(openHandoff(ring, handoff)).toEqual({ ok: false, code: 'handoff.expired' });
    const response = await browser.post('/handoff', { handoff });
    expect(response.headers.get('location')).toBe('/login');
    expect(browser.cookies.has('baton.sid')).toBe(false);
    expect(await (await browser.fetch('/login')).text()).toContain(
      'That sign-in took too long and expired.',
    );
  });

  it('refuses a tampered, a truncated and a missing handoff', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await signUpOverSocket(browser, 'tamper@example.com');
    const flipped = handoff.slice(0, 40) + (handoff[40] === 'A' ? 'B' : 'A') + handoff.slice(41);
    for (const [fields, message] of [
      [{ handoff: flipped }, 'That sign-in link was damaged.'],
      [{ handoff: handoff.slice(0, -5) }, 'That sign-in link was damaged.'],
      [{}, 'That sign-in link was incomplete.'],
    ] as const) {
      const response = await browser.post('/handoff', fields);
      expect(response.headers.get('location')).toBe('/login');
      expect(browser.cookies.has('baton.sid')).toBe(false);
      expect(await (await browser.fetch('/login')).text()).toContain(message);
    }
    // None of those burnt the real one.
    expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
  });

  it('redirects only to the destination sealed inside, whatever the client adds', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await signUpOverSocket(browser, 'dest@example.com');
    const response = await browser.fetch(
      '/handoff?next=https://evil.example/&redirect=//evil.example',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.origin },
        body: new URLSearchParams({
          handoff,
          next: 'https://evil.example/',
          destination: '//evil.example',
        }).toString(),
      },
    );
    expect(response.headers.get('location')).toBe('/account');
  });
});
