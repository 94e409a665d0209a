/**
 * Which live sockets are open on this instance, by session and by browser, so that a session
 * event published anywhere reaches the right sockets here: a sign-out closes its session's
 * sockets, and a sign-in tells that browser's other tabs.
 */
import type { WebSocket } from 'ws';
import { CloseCode, type ServerMessage, type SessionEndReason } from '../../shared/protocol.ts';

/** A multimap from a key to the open sockets filed under it. */
class SocketIndex {
  readonly #sets = new Map<string, Set<WebSocket>>();

  add(key: string, socket: WebSocket): void {
    let set = this.#sets.get(key);
    if (!set) {
      set = new Set();
      this.#sets.set(key, set);
    }
    set.add(socket);
  }

  remove(key: string, socket: WebSocket): void {
    const set = this.#sets.get(key);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.#sets.delete(key);
  }

  get(key: string): ReadonlySet<WebSocket> | undefined {
    return this.#sets.get(key);
  }

  keys(): IterableIterator<string> {
    return this.#sets.keys();
  }

  get size(): number {
    return this.#sets.size;
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
  readonly #owners = new WeakMap<WebSocket, SocketOwner>();
  /**
   * One close listener shared by every socket (`this` is the socket), so an idle socket
   * costs no closure of its own (memory per idle socket: `npm run bench`, bench/cases/memory.ts).
   */
  readonly #onClose: (this: WebSocket) => void;

  constructor() {
    const registry = this;
    this.#onClose = function (this: WebSocket) {
      registry.#forget(this);
    };
  }

  /** Files `socket` under its session (if any) and its browser until it closes. */
  add(socket: WebSocket, owner: SocketOwner): void {
    if (owner.sessionRef !== null) this.#bySession.add(owner.sessionRef, socket);
    this.#byBinding.add(owner.binding, socket);
    this.#owners.set(socket, owner);
    // 'close' is emitted once, so `on` (which allocates nothing per call, unlike `once`) does.
    socket.on('close', this.#onClose);
  }

  #forget(socket: WebSocket): void {
    const owner = this.#owners.get(socket);
    if (!owner) return;
    this.#owners.delete(socket);
    if (owner.sessionRef !== null) this.#bySession.remove(owner.sessionRef, socket);
    this.#byBinding.remove(owner.binding, socket);
  }

  /** How many open sockets a session has on this instance. */
  count(ref: string): number {
    return this.#bySession.get(ref)?.size ?? 0;
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
    const set = this.#bySession.get(ref);
    if (!set) return 0;
    const frame = JSON.stringify({ type: 'session-ended', reason } satisfies ServerMessage);
    const sockets = [...set];
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
    const set = this.#byBinding.get(binding);
    if (!set) return 0;
    const frame = JSON.stringify({ type: 'signed-in' } satisfies ServerMessage);
    let told = 0;
    for (const socket of set) {
      if (socket.readyState !== socket.OPEN) continue;
      socket.send(frame);
      told++;
    }
    return told;
  }
}
