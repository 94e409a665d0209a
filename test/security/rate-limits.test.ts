import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const LIMITS = {
  loginFailsPerAccount: 3,
  loginFailsPerIp: 5,
  signupsPerIp: 4,
  socketsPerIp: 6,
  framesPerSocket: 8,
};

let server: RunningServer;
beforeAll(async () => {
  // Behind a (pretend) proxy, so each test can be its own client IP.
  server = await startServer({ limits: LIMITS, trustProxy: 1 });
});
afterAll(() => server.stop());

let nextIp = 1;
/** A browser on a fresh client IP. */
function browserAt(ip = `198.51.100.${nextIp++}`) {
  const browser = new BrowserSession(server.url);
  const fetchRaw = browser.fetch.bind(browser);
  browser.fetch = (path, init = {}) =>
    fetchRaw(path, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': ip },
    });
  return browser;
}

async function signUp(email: string) {
  const response = await browserAt().post('/signup', { email, password: 'the right password' });
  expect(response.status).toBe(303);
}

describe('password guessing', () => {
  it('locks one account after its failed sign-ins, even for the right password, with Retry-After', async () => {
    await signUp('target@example.com');
    const attacker = browserAt();
    for (let i = 0; i < LIMITS.loginFailsPerAccount; i++) {
      expect(
        (await attacker.post('/login', { email: 'target@example.com', password: `guess ${i}` }))
          .status,
      ).toBe(422);
    }
    // From anywhere, the account now waits: the per-account limit is the one that protects it.
    const owner = browserAt();
    const blocked = await owner.post('/login', {
      email: 'target@example.com',
      password: 'the right password',
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await blocked.text()).toContain('Too many failed sign-ins. Try again in 15 minutes.');
  });

  it('limits failures from one IP across accounts, and the same over the socket', async () => {
    const guesser = browserAt();
    for (let i = 0; i < LIMITS.loginFailsPerIp; i++) {
      await guesser.post('/login', { email: `victim${i}@example.com`, password: 'guess' });
    }
    const http = await guesser.post('/login', { email: 'another@example.com', password: 'guess' });
    expect(http.status).toBe(429);
    // The socket counts against the connection's IP too.
    await guesser.fetch('/login');
    const live = await guesser.openSocket();
    const reply = await live.request({
      type: 'submit',
      form: 'login',
      fields: { email: 'yet-another@example.com', password: 'guess' },
    });
    live.close();
    expect(reply.type).toBe('refused');
  });

  it("never blocks a sign-in from another IP because of someone else's failures below the account limit", async () => {
    await signUp('bystander@example.com');
    const guesser = browserAt();
    for (let i = 0; i < LIMITS.loginFailsPerIp + 2; i++) {
      await guesser.post('/login', { email: `nobody${i}@example.com`, password: 'guess' });
    }
    await guesser.post('/login', { email: 'bystander@example.com', password: 'wrong once' });
    const owner = browserAt();
    const response = await owner.post('/login', {
      email: 'bystander@example.com',
      password: 'the right password',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
  });
});

describe('sign-up flood', () => {
  it('allows a few sign-ups per IP, then answers 429 with the wait', async () => {
    const farm = browserAt();
    for (let i = 0; i < LIMITS.signupsPerIp; i++) {
      expect(
        (
          await farm.post('/signup', {
            email: `farm${i}@example.com`,
            password: 'the right password',
          })
        ).status,
      ).toBe(303);
    }
    const refused = await farm.post('/signup', {
      email: 'farm-extra@example.com',
      password: 'the right password',
    });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain(
      'Too many sign-ups from this network. Try again in 60 minutes.',
    );
  });
});

describe('socket flood', () => {
  it('refuses upgrades over the per-IP connection limit with 429 before the handshake', async () => {
    const flooder = browserAt('203.0.113.7');
    await flooder.fetch('/login');
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.socketsPerIp + 2; i++) {
      statuses.push(
        await new Promise<number>((resolve) => {
          const socket = new WebSocket(`${server.url.replace('http', 'ws')}/live`, {
            headers: {
              cookie: flooder.cookieHeader(),
              origin: server.origin,
              'x-forwarded-for': '203.0.113.7',
            },
          });
          socket.once('open', () => {
            socket.close();
            resolve(101);
          });
          socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        }),
      );
    }
    expect(statuses).toEqual([...Array(LIMITS.socketsPerIp).fill(101), 429, 429]);
  });
});

describe('frame flood', () => {
  it('closes a socket that sends frames faster than the limit with 1008', async () => {
    const browser = browserAt();
    await browser.fetch('/login');
    const live = await browser.openSocket();
    for (let i = 0; i < LIMITS.framesPerSocket + 5; i++) {
      live.sendRaw(
        JSON.stringify({
          type: 'validate',
          ref: i + 1,
          form: 'login',
          fields: { email: '', password: '' },
        }),
      );
    }
    const closed = await live.closed;
    expect(closed).toEqual({ code: 1008, reason: 'too many frames' });
    expect(live.messages.filter((m) => m.type === 'validated')).toHaveLength(
      LIMITS.framesPerSocket,
    );
  });
});
