import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { type SocketOwner, SocketRegistry } from '../../../server/live/registry.ts';

/** The least of a socket the registry uses: what it was sent and how it was closed. */
function fakeSocket() {
  const socket = {
    OPEN: 1,
    readyState: 1,
    sent: [] as string[],
    closedWith: null as number | null,
    send(frame: string) {
      socket.sent.push(frame);
    },
    close(code: number) {
      socket.closedWith = code;
      socket.readyState = 2;
    },
  };
  return socket;
}
const ws = (s: ReturnType<typeof fakeSocket>) => s as unknown as WebSocket;

describe('SocketRegistry', () => {
  it('ends every socket of a session and only those, however many share it', () => {
    const registry = new SocketRegistry();
    const tabs = [fakeSocket(), fakeSocket(), fakeSocket()];
    const other = fakeSocket();
    for (const [i, t] of tabs.entries())
      registry.add(ws(t), { sessionRef: 's1', binding: `b${i}` });
    registry.add(ws(other), { sessionRef: 's2', binding: 'b9' });
    expect(registry.count('s1')).toBe(3);

    expect(registry.endSession('s1', 'signed-out')).toBe(3);
    for (const t of tabs) {
      expect(t.sent).toEqual([JSON.stringify({ type: 'session-ended', reason: 'signed-out' })]);
      expect(t.closedWith).toBe(4001);
    }
    expect(other.sent).toEqual([]);
    expect(other.closedWith).toBeNull();
  });

  it('forgets a removed socket, down to no entry at all, whether it was alone or not', () => {
    const registry = new SocketRegistry();
    const a = fakeSocket();
    const b = fakeSocket();
    const owner: SocketOwner = { sessionRef: 's1', binding: 'b1' };
    registry.add(ws(a), owner);
    registry.add(ws(b), owner);
    registry.remove(ws(a), owner);
    registry.remove(ws(a), owner);
    expect(registry.count('s1')).toBe(1);
    expect(registry.signedIn('b1')).toBe(1);
    expect(b.sent).toEqual([JSON.stringify({ type: 'signed-in' })]);
    expect(a.sent).toEqual([]);

    registry.remove(ws(b), owner);
    expect(registry.count('s1')).toBe(0);
    expect(registry.sizes).toEqual({ sessions: 0, browsers: 0 });
    expect(registry.endSession('s1', 'revoked')).toBe(0);
    expect(b.closedWith).toBeNull();
  });

  it('tells a browser signed in on each of its open sockets, and not its closing ones', () => {
    const registry = new SocketRegistry();
    const open = fakeSocket();
    const closing = fakeSocket();
    closing.readyState = 2;
    registry.add(ws(open), { sessionRef: null, binding: 'b1' });
    registry.add(ws(closing), { sessionRef: null, binding: 'b1' });
    expect(registry.signedIn('b1')).toBe(1);
    expect(registry.signedIn('b2')).toBe(0);
    expect(registry.sessionRefs()).toEqual([]);
  });
});
