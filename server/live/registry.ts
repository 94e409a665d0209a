/**
 * Which live sockets are open on this instance, by session and by browser, so that a session
 * event published anywhere reaches the right sockets here: a sign-out closes its session's
 * sockets, and a sign-in tells that browser's other tabs.
 */
import type { WebSocket } from 'ws';
import { CloseCode, type ServerMessage, type SessionEndReason } from '../../shared/protocol.ts';

/**
 * A multimap from a key to the open sockets filed under it. Most keys have one socket (one
 * tab per browser, one socket per session), so a key holds its socket itself and only a
 * second socket under the same key makes a Set.
 */
class SocketIndex {
  readonly #entries = new Map<string, WebSocket | Set<WebSocket>>();

  add(key: string, socket: WebSocket): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, socket);
    else if (entry instanceof Set) entry.add(socket);
    else if (entry !== socket) this.#entries.set(key, new Set([entry, socket]));
  }

  remove(key: string, socket: WebSocket): void {
    const entry = this.#entries.get(key);
    if (entry === socket) this.#entries.delete(key);
    else if (entry instanceof Set) {
      entry.delete(socket);
      if (entry.size === 1) this.#entries.set(key, entry.values().next().value as WebSocket);
    }
  }

  /** The sockets filed under `key` (a copy: callers may close them while going through it). */
  get(key: string): WebSocket[] {
    const entry = this.#entries.get(key);
    if (entry === undefined) return [];
    return entry instanceof Set ? [...entry] : [entry];
  }

  count(key: string): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return 0;
    return entry instanceof Set ? entry.size : 1;
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** What the door knows about a socket's owner when it files the socket. */
export interface SocketOwner {
  /** The session's ref (a hash of its id), when the browser was signed in at the upgrade. */
  sessionRef: string | null;
  /** The hash of the browser's binding cookie (the same hash handoffs are bound to). */
  binding: string;
}

/** Sessions ended while a watch was on (see SocketRegistry.watchEnds). */
export interface EndWatch {
  /** Why `ref` ended since the watch began, or null if it did not. */
  endedReason(ref: string): SessionEndReason | null;
  /** Stops recording; safe to call twice. */
  stop(): void;
}

export class SocketRegistry {
  readonly #bySession = new SocketIndex();
  readonly #watches = new Set<Map<string, SessionEndReason>>();
  readonly #byBinding = new SocketIndex();

  /**
   * Files `socket` under its session (if any) and its browser. The caller keeps `owner` and
   * calls `remove` with it when the socket closes: the registry keeps no listener and no
   * record of its own per socket.
   */
  add(socket: WebSocket, owner: SocketOwner): void {
    if (owner.sessionRef !== null) this.#bySession.add(owner.sessionRef, socket);
    this.#byBinding.add(owner.binding, socket);
  }

  /** Forgets `socket`, filed with `owner` (safe to call twice). */
  remove(socket: WebSocket, owner: SocketOwner): void {
    if (owner.sessionRef !== null) this.#bySession.remove(owner.sessionRef, socket);
    this.#byBinding.remove(owner.binding, socket);
  }

  /** How many open sockets a session has on this instance. */
  count(ref: string): number {
    return this.#bySession.count(ref);
  }

  /** How many sessions and browsers have open sockets here (for tests and metrics). */
  get sizes(): { sessions: number; browsers: number } {
    return { sessions: this.#bySession.size, browsers: this.#byBinding.size };
  }

  /** The refs of the sessions that have sockets open here. */
  sessionRefs(): string[] {
    return [...this.#bySession.keys()];
  }

  /**
   * Records every session ended from now until `stop()`, sockets or not. The door holds one
   * across its session read: a sign-out that lands while the upgrade awaits the store finds
   * no socket to close yet, so the door asks afterwards and closes the new socket itself.
   */
  watchEnds(): EndWatch {
    const ended = new Map<string, SessionEndReason>();
    this.#watches.add(ended);
    return {
      endedReason: (ref) => ended.get(ref) ?? null,
      stop: () => void this.#watches.delete(ended),
    };
  }

  /** Tells every socket of the session why it ends, then closes it. Returns how many. */
  endSession(ref: string, reason: SessionEndReason): number {
    for (const watch of this.#watches) watch.set(ref, reason);
    const sockets = this.#bySession.get(ref);
    if (sockets.length === 0) return 0;
    const frame = JSON.stringify({ type: 'session-ended', reason } satisfies ServerMessage);
    for (const socket of sockets) {
      socket.send(frame);
      socket.close(CloseCode.sessionEnded, reason);
    }
    return sockets.length;
  }

  /**
   * Tells every open socket of the browser whose binding hash is `binding` that it signed in
   * (in another tab, or on another instance). Returns how many were told.
   */
  signedIn(binding: string): number {
    const sockets = this.#byBinding.get(binding);
    if (sockets.length === 0) return 0;
    const frame = JSON.stringify({ type: 'signed-in' } satisfies ServerMessage);
    let told = 0;
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      socket.send(frame);
      told++;
    }
    return told;
  }
}
