/** @vitest-environment happy-dom */
import { createRoot } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionsSocket } from '../../../client/live/sessions-socket.ts';
import type { SessionView } from '../../../shared/protocol.ts';
import { FakeWebSocket } from '../fakes.ts';

const session: SessionView = {
  handle: 'h1',
  device: 'Firefox on Linux',
  ip: '127.0.0.1',
  signedInAt: 1,
  lastActiveAt: 2,
  current: true,
};

function open() {
  return createRoot(() =>
    createSessionsSocket({ url: 'ws://test/live', WebSocket: FakeWebSocket, random: () => 1 }),
  );
}

beforeEach(() => {
  FakeWebSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createSessionsSocket', () => {
  it('answers watch-sessions, and hands the list to its listeners', async () => {
    const socket = open();
    FakeWebSocket.last.open();
    const lists: SessionView[][] = [];
    socket.onSessions((sessions) => lists.push(sessions));
    const reply = socket.request({ type: 'watch-sessions' });
    FakeWebSocket.last.receive({ type: 'sessions', ref: 1, sessions: [session] });
    await expect(reply).resolves.toEqual({
      ok: true,
      message: { type: 'sessions', ref: 1, sessions: [session] },
    });
    expect(lists).toEqual([[session]]);
  });

  it('hands every push (ref null) to its listeners until they unsubscribe', () => {
    const socket = open();
    FakeWebSocket.last.open();
    const lists: SessionView[][] = [];
    const unsubscribe = socket.onSessions((sessions) => lists.push(sessions));
    FakeWebSocket.last.receive({ type: 'sessions', ref: null, sessions: [session] });
    FakeWebSocket.last.receive({ type: 'sessions', ref: null, sessions: [] });
    unsubscribe();
    FakeWebSocket.last.receive({ type: 'sessions', ref: null, sessions: [session] });
    expect(lists).toEqual([[session], []]);
  });

  it('drops a sessions frame that does not match the protocol', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const socket = open();
    FakeWebSocket.last.open();
    const listener = vi.fn();
    socket.onSessions(listener);
    FakeWebSocket.last.receive({ type: 'sessions', ref: null, sessions: [{ ...session, ip: 1 }] });
    expect(listener).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('is otherwise the page’s socket: it hears the end of its session', () => {
    const socket = open();
    FakeWebSocket.last.open();
    const ended = vi.fn();
    socket.onSessionEnded(ended);
    FakeWebSocket.last.receive({ type: 'session-ended', reason: 'revoked' });
    expect(ended).toHaveBeenCalledOnce();
    expect(socket.state()).toBe('closed');
  });
});
