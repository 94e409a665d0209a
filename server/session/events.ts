/**
 * Session events: "this session ended". Every instance listens and closes the live sockets
 * of that session. In-process here (one machine on SQLite); the Redis store publishes the
 * same events over pub/sub to every instance.
 */
import { EventEmitter } from 'node:events';
import type { SessionEndReason } from '../../shared/protocol.ts';

export interface SessionEnded {
  /** The session's ref (a hash of its id; see session.ts). */
  ref: string;
  reason: SessionEndReason;
}

export interface SessionEvents {
  publish(event: SessionEnded): Promise<void>;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (event: SessionEnded) => void): () => void;
  close(): Promise<void>;
}

/** Session events within one process. */
export function createLocalSessionEvents(): SessionEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(event) {
      emitter.emit('ended', event);
    },
    subscribe(listener) {
      emitter.on('ended', listener);
      return () => emitter.off('ended', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
