import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ live: { heartbeatMs: 150, idleMs: 400, socketsPerSession: 3 } });
});
afterAll(() => server.stop());

function upgradeStatus(browser: BrowserSession): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/live`, {
      headers: { cookie: browser.cookieHeader(), origin: server.origin },
    });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
}

describe('the walls of the live socket', () => {
  it('limits the sockets one session holds open (tab flood) with 429', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await browser.post('/signup', { email: 'tabs@example.com', password: 'a fine password' });
    const open = await Promise.all([
      browser.openSocket(),
      browser.openSocket(),
      browser.openSocket(),
    ]);
    expect(await upgradeStatus(browser)).toBe(429);
    open[0]?.close();
    await open[0]?.closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await upgradeStatus(browser)).toBe(101);
    for (const live of open) live.close();
  });

  it('closes a signed-out socket that stays silent, and keeps one that talks', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const silent = await browser.openSocket();
    const talking = await browser.openSocket();
    const chatter = setInterval(
      () =>
        void talking.request({
          type: 'validate',
          form: 'login',
          fields: { email: 'a@b.co', password: 'x' },
        }),
      150,
    );
    try {
      expect(await silent.closed).toEqual({ code: CloseCode.idle, reason: 'idle' });
      expect(talking.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(chatter);
      talking.close();
    }
  });

  it('drops a peer that stops answering pings (a dead connection)', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await browser.post('/signup', { email: 'dead-peer@example.com', password: 'a fine password' });
    const before = server.baton.live.clients.size;
    // autoPong off: this client never answers the heartbeat, like a laptop that went to sleep.
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/live`, {
      headers: { cookie: browser.cookieHeader(), origin: server.origin },
      autoPong: false,
    });
    await new Promise((resolve) => socket.once('open', resolve));
    expect(server.baton.live.clients.size).toBe(before + 1);
    const closed = await new Promise<number>((resolve) =>
      socket.once('close', (code) => resolve(code)),
    );
    expect(closed).toBe(1006); // terminated without a close frame
    await expect.poll(() => server.baton.live.clients.size).toBe(before);
  });
});
