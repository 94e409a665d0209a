import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../shared/protocol.ts';
import { BrowserSession, type LiveClient } from '../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

let server: RunningServer;
afterEach(() => server?.stop());

/** Opens a socket and reports 101 (left open, returned) or the refusal's status. */
function tryOpen(
  browser: BrowserSession,
): Promise<{ status: number; socket: WebSocket; retryAfter?: string | undefined }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/live`, {
      headers: { cookie: browser.cookieHeader(), origin: server.origin },
    });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0, socket, retryAfter: res.headers['retry-after'] });
      req.destroy();
    });
  });
}

/** Closes the first socket that opened, and waits until the server has forgotten it. */
async function closeOneAndWait(results: ReadonlyArray<{ status: number; socket: WebSocket }>) {
  const first = results.find((r) => r.status === 101);
  if (!first) throw new Error('no socket opened');
  await closeAndWait(first.socket);
}

function closeOpen(results: ReadonlyArray<{ status: number; socket: WebSocket }>): void {
  for (const r of results) if (r.status === 101) r.socket.close();
}

async function closeAndWait(socket: WebSocket): Promise<void> {
  const before = server.baton.live.clients.size;
  socket.close();
  // The server forgets the socket (and gives its slot back) when the connection closes.
  await vi.waitFor(() => expect(server.baton.live.clients.size).toBe(before - 1));
}

async function signedIn(email: string): Promise<BrowserSession> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  await browser.post('/signup', { email, password: 'a fine password' });
  return browser;
}

describe('open sockets per client IP', () => {
  it('lets exactly 64 of 70 sockets opened at once from one IP stay open, refusing the rest with 429', async () => {
    server = await startServer();
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const results = await Promise.all(Array.from({ length: 70 }, () => tryOpen(browser)));
    const open = results.filter((r) => r.status === 101);
    const refused = results.filter((r) => r.status !== 101);
    expect(open).toHaveLength(64);
    expect(refused.map((r) => [r.status, r.retryAfter])).toEqual(
      Array.from({ length: 6 }, () => [429, '60']),
    );
    expect(server.baton.live.clients.size).toBe(64);

    expect((await tryOpen(browser)).status).toBe(429);
    await closeOneAndWait(open);
    const again = await tryOpen(browser);
    expect(again.status).toBe(101);
    expect((await tryOpen(browser)).status).toBe(429);
    closeOpen([...open, again]);
  });

  it('counts signed-in and signed-out sockets together, and a session-cap refusal holds no slot', async () => {
    server = await startServer({
      limits: {
        loginFailsPerAccount: 10,
        loginFailsPerIp: 50,
        signupsPerIp: 30,
        socketsPerIp: 120,
        openSocketsPerIp: 5,
        framesPerSocket: 100,
      },
      live: { socketsPerSession: 3 },
    });
    const member = await signedIn('two-caps@example.com');
    const mine = await Promise.all(Array.from({ length: 5 }, () => tryOpen(member)));
    expect(mine.map((r) => r.status).sort()).toEqual([101, 101, 101, 429, 429]);

    const visitor = new BrowserSession(server.url);
    await visitor.fetch('/login');
    const theirs = await Promise.all(Array.from({ length: 4 }, () => tryOpen(visitor)));
    expect(theirs.map((r) => r.status).sort()).toEqual([101, 101, 429, 429]);
    expect(server.baton.live.clients.size).toBe(5);

    await closeOneAndWait(mine);
    expect((await tryOpen(visitor)).status).toBe(101);
    expect((await tryOpen(member)).status).toBe(429);
    closeOpen([...mine, ...theirs]);
  });
});

describe('the idle limit of signed-in sockets', () => {
  it('closes a signed-in socket silent for the limit with CloseCode.idle, and keeps one that talks', async () => {
    let clock = 1_000_000;
    server = await startServer({
      now: () => clock,
      live: { heartbeatMs: 100, signedInIdleMs: 60_000, idleMs: 600_000 },
    });
    const member = await signedIn('idle-member@example.com');
    const silent: LiveClient = await member.openSocket();
    const talking: LiveClient = await member.openSocket();
    const visitor = new BrowserSession(server.url);
    await visitor.fetch('/login');
    const signedOut: LiveClient = await visitor.openSocket();

    clock += 59_000;
    await talking.request({
      type: 'validate',
      form: 'login',
      fields: { email: 'a@b.co', password: 'x' },
    });
    clock += 2_000;

    expect(await silent.closed).toEqual({ code: CloseCode.idle, reason: 'idle' });
    expect(talking.socket.readyState).toBe(WebSocket.OPEN);
    // A signed-out socket keeps its own, longer limit.
    expect(signedOut.socket.readyState).toBe(WebSocket.OPEN);
    talking.close();
    signedOut.close();
  });

  it('defaults the signed-in idle limit to the session idle timeout', async () => {
    let clock = 1_000_000;
    server = await startServer({
      timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
      now: () => clock,
      live: { heartbeatMs: 100, idleMs: 600_000 },
    });
    const member = await signedIn('idle-default@example.com');
    const live: LiveClient = await member.openSocket();
    clock += 30 * 60_000;
    expect(await live.closed).toEqual({ code: CloseCode.idle, reason: 'idle' });
  });
});
