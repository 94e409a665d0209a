/**
 * The sessions page's live socket: the page's socket, taking `sessions` frames too (the
 * answer to `watch-sessions`, and the pushes after it) and handing them to its listeners.
 * Only the sessions page asks for its account's sessions, so only its script carries this
 * and the check of a `sessions` frame.
 */
import type { SessionView } from '../../shared/protocol.ts';
import { isServerMessage } from '../../shared/protocol-guard.ts';
import { createLiveSocket, type LiveSocket, type LiveSocketOptions } from './socket.ts';

export interface SessionsSocket extends LiveSocket {
  /**
   * Registers a callback for the account's sessions (a `sessions` frame: the answer to
   * `watch-sessions`, and every push after it). Returns an unsubscribe.
   */
  onSessions(listener: (sessions: SessionView[]) => void): () => void;
}

/**
 * Opens the live socket as `createLiveSocket` does, for a page that watches the sessions.
 *
 * @example
 * const socket = createSessionsSocket();
 * socket.onSessions(show);
 * await socket.request({ type: 'watch-sessions' });
 */
export function createSessionsSocket(
  options: Omit<LiveSocketOptions, 'accepts' | 'onMessage'> = {},
): SessionsSocket {
  const listeners = new Set<(sessions: SessionView[]) => void>();
  const socket = createLiveSocket({
    ...options,
    accepts: isServerMessage,
    onMessage(message) {
      if (message.type === 'sessions')
        for (const listener of [...listeners]) listener(message.sessions);
    },
  });
  return {
    ...socket,
    onSessions(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
