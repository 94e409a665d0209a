/**
 * Which live sockets belong to which session, so a sign-out anywhere can close them here.
 */
import type { WebSocket } from 'ws';
import { CloseCode, type ServerMessage, type SessionEndReason } from '../../shared/protocol.ts';

export class SocketRegistry {
  readonly #bySession = new Map<string, Set<WebSocket>>();

  /** Remembers `socket` under its session until it closes. */
  add(ref: string, socket: WebSocket): void {
    let set = this.#bySession.get(ref);
    if (!set) {
      set = new Set();
      this.#bySession.set(ref, set);
    }
    set.add(socket);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.#bySession.get(ref) === set) this.#bySession.delete(ref);
    });
  }

  /** How many open sockets a session has on this instance. */
  count(ref: string): number {
    return this.#bySession.get(ref)?.size ?? 0;
  }

  /** Tells every socket of the session why it ends, then closes it. */
  endSession(ref: string, reason: SessionEndReason): number {
    const set = this.#bySession.get(ref);
    if (!set) return 0;
    const message: ServerMessage = { type: 'session-ended', reason };
    const frame = JSON.stringify(message);
    for (const socket of set) {
      socket.send(frame);
      socket.close(CloseCode.sessionEnded, reason);
    }
    return set.size;
  }
}
