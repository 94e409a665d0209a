/** @vitest-environment happy-dom */
import { createRoot } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLiveSocket,
  type LiveSocket,
  type LiveSocketOptions,
  liveUrl,
} from '../../../client/live/socket.ts';
import type { ServerMessage } from '../../../shared/protocol.ts';
import { FakeWebSocket, flush } from '../fakes.ts';

const fields = { email: 'ada@example.com', password: 'secret-enough' };

function open(options: LiveSocketOptions = {}): LiveSocket {
  return createRoot(() =>
    createLiveSocket({
      url: 'ws://test/live',
      WebSocket: FakeWebSocket,
      random: () => 1,
      ...options,
    }),
  );
}

beforeEach(() => {
  FakeWebSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('liveUrl', () => {
  it('uses wss on https and ws on http, on the page’s own host', () => {
    expect(liveUrl({ protocol: 'https:', host: 'baton.example' })).toBe('wss://baton.example/live');
    expect(liveUrl({ protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/live');
  });
});

describe('createLiveSocket', () => {
  it('is connecting until the socket opens, then open', () => {
    const socket = open();
    expect(FakeWebSocket.last.url).toBe('ws://test/live');
    expect(socket.state()).toBe('connecting');
    FakeWebSocket.last.open();
    expect(socket.state()).toBe('open');
  });

  it('numbers every request with a fresh ref and resolves each with its own reply', async () => {
    const socket = open();
    FakeWebSocket.last.open();
    const first = socket.request({ type: 'validate', form: 'login', fields });
    const second = socket.request({ type: 'submit', form: 'login', fields });
    expect(FakeWebSocket.last.sent).toEqual([
      { type: 'validate', form: 'login', fields, ref: 1 },
      { type: 'submit', form: 'login', fields, ref: 2 },
    ]);
    FakeWebSocket.last.receive({ type: 'accepted', ref: 2, handoff: 'sealed' });
    FakeWebSocket.last.receive({ type: 'validated', ref: 1, errors: {} });
    await expect(second).resolves.toEqual({
      ok: true,
      message: { type: 'accepted', ref: 2, handoff: 'sealed' },
    });
    await expect(first).resolves.toEqual({
      ok: true,
      message: { type: 'validated', ref: 1, errors: {} },
    });
  });

  it('resolves an error reply as { ok: false } with its code and message', async () => {
    const socket = open();
    FakeWebSocket.last.open();
    const reply = socket.request({ type: 'validate', form: 'login', fields });
    FakeWebSocket.last.receive({
      type: 'error',
      ref: 1,
      code: 'rate.limited',
      message: 'Wait a minute.',
    });
    await expect(reply).resolves.toEqual({
      ok: false,
      code: 'rate.limited',
      message: 'Wait a minute.',
    });
  });

  it('drops frames that do not match the protocol, so the request times out', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const socket = open({ timeoutMs: 5000 });
    FakeWebSocket.last.open();
    const reply = socket.request({ type: 'validate', form: 'login', fields });
    FakeWebSocket.last.receive({ type: 'validated', ref: 1, errors: { email: 42 } });
    FakeWebSocket.last.receive('not json');
    FakeWebSocket.last.receive({ type: 'validated', ref: 1, errors: {}, extra: true });
    vi.advanceTimersByTime(5000);
    await expect(reply).resolves.toMatchObject({ ok: false, code: 'socket.timeout' });
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
  });

  it('drops a sessions frame, which only the sessions page’s socket takes', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const socket = open({ timeoutMs: 5000 });
    FakeWebSocket.last.open();
    const reply = socket.request({ type: 'watch-sessions' });
    FakeWebSocket.last.receive({ type: 'sessions', ref: 1, sessions: [] });
    vi.advanceTimersByTime(5000);
    await expect(reply).resolves.toMatchObject({ ok: false, code: 'socket.timeout' });
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('takes the frames `accepts` allows, and shows each to `onMessage` first', async () => {
    const seen: unknown[] = [];
    const socket = open({
      accepts: (frame): frame is ServerMessage => (frame as { type?: unknown }).type === 'sessions',
      onMessage: (message) => seen.push(message),
    });
    FakeWebSocket.last.open();
    const reply = socket.request({ type: 'watch-sessions' });
    FakeWebSocket.last.receive({ type: 'sessions', ref: 1, sessions: [] });
    await expect(reply).resolves.toEqual({
      ok: true,
      message: { type: 'sessions', ref: 1, sessions: [] },
    });
    expect(seen).toEqual([{ type: 'sessions', ref: 1, sessions: [] }]);
  });

  it('resolves socket.closed at once when the socket is not open', async () => {
    const socket = open();
    await expect(
      socket.request({ type: 'validate', form: 'login', fields }),
    ).resolves.toMatchObject({ ok: false, code: 'socket.closed' });
    expect(FakeWebSocket.last.sent).toEqual([]);
  });

  it('resolves waiting requests with socket.closed when the connection drops', async () => {
    const socket = open();
    FakeWebSocket.last.open();
    const reply = socket.request({ type: 'submit', form: 'login', fields });
    FakeWebSocket.last.drop();
    await expect(reply).resolves.toMatchObject({ ok: false, code: 'socket.closed' });
    expect(socket.state()).toBe('reconnecting');
  });

  it('reconnects with exponential backoff capped at the maximum, and resets once open', () => {
    const socket = open({ minDelayMs: 250, maxDelayMs: 1000 });
    FakeWebSocket.last.open();
    const waits: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = FakeWebSocket.instances.length;
      FakeWebSocket.last.drop();
      let waited = 0;
      while (FakeWebSocket.instances.length === before) {
        vi.advanceTimersByTime(1);
        waited++;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([250, 500, 1000, 1000]);
    expect(socket.state()).toBe('reconnecting');
    FakeWebSocket.last.open();
    expect(socket.state()).toBe('open');
    FakeWebSocket.last.drop();
    vi.advanceTimersByTime(250);
    expect(FakeWebSocket.instances).toHaveLength(6);
  });

  it('jitters each delay between half and all of it', () => {
    open({ minDelayMs: 1000, random: () => 0 });
    FakeWebSocket.last.drop();
    vi.advanceTimersByTime(499);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('stays connecting (not reconnecting) while the first connection keeps failing', () => {
    const socket = open();
    FakeWebSocket.last.drop();
    expect(socket.state()).toBe('connecting');
  });

  it('tells listeners when a session-ended frame arrives, and stops for good', () => {
    const socket = open();
    FakeWebSocket.last.open();
    const ended = vi.fn();
    socket.onSessionEnded(ended);
    FakeWebSocket.last.receive({ type: 'session-ended', reason: 'signed-out' });
    expect(ended).toHaveBeenCalledOnce();
    expect(socket.state()).toBe('closed');
    FakeWebSocket.last.drop(4001);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(ended).toHaveBeenCalledOnce();
  });

  it('tells listeners when this browser signs in in another tab, and stays open', () => {
    const socket = open();
    FakeWebSocket.last.open();
    const signedIn = vi.fn();
    socket.onSignedIn(signedIn);
    FakeWebSocket.last.receive({ type: 'signed-in' });
    expect(signedIn).toHaveBeenCalledOnce();
    expect(socket.state()).toBe('open');
  });

  it('treats a close with code 4001 as the end of the session', () => {
    const socket = open();
    FakeWebSocket.last.open();
    const ended = vi.fn();
    socket.onSessionEnded(ended);
    FakeWebSocket.last.drop(4001);
    expect(ended).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('closes for good on close(), without telling session listeners', async () => {
    const socket = open();
    FakeWebSocket.last.open();
    const ended = vi.fn();
    socket.onSessionEnded(ended);
    const reply = socket.request({ type: 'validate', form: 'login', fields });
    socket.close();
    expect(FakeWebSocket.last.closedWith).toBe(1000);
    expect(socket.state()).toBe('closed');
    await flush();
    await expect(reply).resolves.toMatchObject({ ok: false, code: 'socket.closed' });
    FakeWebSocket.last.drop(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(ended).not.toHaveBeenCalled();
  });
});

describe('createLiveSocket when the browser refuses to open a socket', () => {
  it('does not throw, and retries as after a failed connection', () => {
    vi.useFakeTimers();
    let calls = 0;
    class Refusing extends FakeWebSocket {
      constructor(url: string) {
        calls++;
        if (calls === 1) throw new DOMException('Refused by the page’s CSP', 'SecurityError');
        super(url);
      }
    }
    const socket = createRoot(() =>
      createLiveSocket({ url: 'ws://test/live', WebSocket: Refusing, random: () => 1 }),
    );
    expect(socket.state()).toBe('connecting');
    vi.advanceTimersByTime(250);
    expect(calls).toBe(2);
    FakeWebSocket.last.open();
    expect(socket.state()).toBe('open');
  });
});
