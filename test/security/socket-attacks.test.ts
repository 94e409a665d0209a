/**
 * Attacks on the live socket's door and walls, through the real server.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_FRAME_BYTES } from '../../shared/protocol.ts';
import { BrowserSession, type LiveClient } from '../helpers/browser-session.ts';
import { signUpAndRedeem } from '../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

interface UpgradeOutcome {
  status: number;
  /** Set only when the server completed the WebSocket handshake. */
  accept: string | undefined;
}

/** What a raw upgrade request to /live gets back. */
function upgrade(headers: Record<string, string>): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/live`, { headers });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, accept: res.headers['sec-websocket-accept'] });
      res.resume();
    });
    socket.once('upgrade', (res) => {
      const accept = res.headers['sec-websocket-accept'];
      socket.once('open', () => {
        socket.close();
        resolve({ status: 101, accept });
      });
    });
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function browserOnLogin(): Promise<BrowserSession> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/login');
  return browser;
}

const validate = {
  type: 'validate',
  form: 'login',
  fields: { email: 'a@b.co', password: 'x' },
} as const;

async function expectAnswers(live: LiveClient) {
  const reply = await live.request(validate);
  expect(reply).toEqual({ type: 'validated', ref: expect.any(Number), errors: {} });
}

describe('the door', () => {
  it("refuses a WebSocket from a foreign Origin with 403 before the handshake, even with a signed-in victim's cookies (cross-site WebSocket hijacking)", async () => {
    const victim = new BrowserSession(server.url);
    await signUpAndRedeem(victim, {
      email: 'hijack@example.com',
      password: 'a long enough password',
    });
    const cookie = victim.cookieHeader();
    const port = new URL(server.url).port;
    const foreign = [
      'https://evil.example',
      'null',
      `http://127.0.0.1:${Number(port) === 1 ? 2 : 1}`, // same host, another port
      `https://127.0.0.1:${port}`, // same host and port, another scheme
      `http://localhost:${port}`, // the same machine under a name that is not allowed here
      `${server.origin}.evil.example`, // the allowed origin as a prefix
      `${server.origin}/`,
    ];
    // The sign-up's own socket closes asynchronously; wait until none is open.
    await until(() => server.baton.live.clients.size === 0);
    for (const origin of foreign) {
      expect(await upgrade({ cookie, origin }), origin).toEqual({ status: 403, accept: undefined });
    }
    expect(server.baton.live.clients.size).toBe(0);
    // The same cookies from the page's own origin are let in: the refusals above were the Origin's.
    expect((await upgrade({ cookie, origin: server.origin })).status).toBe(101);
  });

  it('refuses a WebSocket with no Origin at all with 403 before the handshake', async () => {
    const browser = await browserOnLogin();
    expect(await upgrade({ cookie: browser.cookieHeader() })).toEqual({
      status: 403,
      accept: undefined,
    });
  });
});

describe('the walls', () => {
  it('closes a socket that sends a frame over the size limit with 1009, and nothing else', async () => {
    const live = await (await browserOnLogin()).openSocket();
    live.sendRaw('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await live.closed).code).toBe(1009);
    expect(live.messages).toEqual([]);
  });

  it('closes a socket whose fragmented message adds up to more than the size limit with 1009', async () => {
    const live = await (await browserOnLogin()).openSocket();
    const third = 'x'.repeat(Math.ceil((MAX_FRAME_BYTES + 1) / 3));
    live.socket.send(third, { fin: false });
    live.socket.send(third, { fin: false });
    live.socket.send(third, { fin: true });
    expect((await live.closed).code).toBe(1009);
    expect(live.messages).toEqual([]);
  });

  it('answers a frame of exactly the size limit and stays open', async () => {
    const live = await (await browserOnLogin()).openSocket();
    live.sendRaw('x'.repeat(MAX_FRAME_BYTES));
    expect(await live.waitFor((m) => m.type === 'error')).toEqual({
      type: 'error',
      ref: null,
      code: 'frame.invalid',
      message: 'Unreadable frame: the frame is not JSON',
    });
    await expectAnswers(live);
    live.close();
  });

  it("does not let one socket's garbage frames disturb another socket", async () => {
    const calm = await (await browserOnLogin()).openSocket();
    const noisy = await (await browserOnLogin()).openSocket();
    const fields = { email: 'a@b.co', password: 'x' };
    // Each frame with the ref its error must carry (null when the frame has no readable one).
    const garbage: Array<[what: string, frame: string | Buffer, ref: number | null]> = [
      ['not JSON', '{not json', null],
      ['an empty frame', '', null],
      ['JSON null', 'null', null],
      ['an array', '[]', null],
      ['a number too large for a double', '1e400', null],
      ['NUL and control bytes', '\u0000\u0001\u001b', null],
      ['deep nesting', `${'['.repeat(4000)}${']'.repeat(4000)}`, null],
      ['an unknown type', JSON.stringify({ type: 'launch-missiles', ref: 3 }), 3],
      ['a negative ref', JSON.stringify({ ...validate, ref: -1 }), null],
      [
        'a huge ref',
        `{"type":"validate","ref":1e300,"form":"login","fields":${JSON.stringify(fields)}}`,
        null,
      ],
      [
        'wrongly typed fields',
        JSON.stringify({ ...validate, ref: 4, fields: { email: 1, password: null } }),
        4,
      ],
      ['a binary frame', Buffer.from([0x7b, 0x7d, 0x00, 0xff]), null],
      [
        'prototype keys',
        `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"type":"validate","ref":5,"form":"login","fields":${JSON.stringify(fields)}}`,
        5,
      ],
    ];
    await expectAnswers(calm);
    for (const [, frame] of garbage) noisy.sendRaw(frame);
    await expectAnswers(calm); // while the garbage is being handled
    await noisy.waitFor(() => noisy.messages.length >= garbage.length);
    expect(noisy.messages).toHaveLength(garbage.length);
    garbage.forEach(([what, , ref], index) => {
      expect(noisy.messages[index], what).toMatchObject({
        type: 'error',
        ref,
        code: what === 'a binary frame' ? 'frame.binary' : 'frame.invalid',
      });
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(noisy.socket.readyState).toBe(WebSocket.OPEN);

    // Text that is not UTF-8 ends the noisy socket (1007), and only it.
    noisy.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await noisy.closed).code).toBe(1007);
    await expectAnswers(calm);
    expect(calm.socket.readyState).toBe(WebSocket.OPEN);
    calm.close();
  });
});
