/**
 * Session events, heard by every instance:
 * - `ended`: a session ended (sign-out, expiry, revocation); its live sockets are told and closed.
 * - `signed-in`: a browser signed in; its other tabs' sockets are told to reload into the
 *   signed-in state.
 * - `session-started`: a session of an account started (a sign-in); that account's sessions
 *   pages list it. `account` is the account's topic (`accountTopic`), not its id.
 * - `resync`: raised by a bus itself, never sent between instances: it may have missed
 *   events (its Redis subscription dropped and is back), so listeners check their state
 *   against the store.
 * In-process here (one machine on SQLite); on Redis the same events travel over pub/sub
 * (redis-events.ts). Both carry only hashes: a session's ref, a binding's hash.
 */
import { hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { SessionEndReason } from '../../shared/protocol.ts';
import type { Logger } from '../logger.ts';

export type SessionEvent =
  /** `ref` is the session's ref (a hash of its id; see session.ts). */
  | { type: 'ended'; ref: string; reason: SessionEndReason }
  /** `binding` is the hash of the browser's binding cookie (see handoff/seal.ts). */
  | { type: 'signed-in'; binding: string }
  | { type: 'session-started'; account: string }
  | { type: 'resync' };

/** What a `session-started` event names an account by: the SHA-256 of its id, base64url. */
export function accountTopic(accountId: string): string {
  return hash('sha256', accountId, 'base64url');
}

export interface SessionEvents {
  publish(event: SessionEvent): Promise<void>;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (event: SessionEvent) => void): () => void;
  close(): Promise<void>;
}

/** Session events within one process. */
export function createLocalSessionEvents(): SessionEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(event) {
      emitter.emit('event', event);
    },
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * Announces a sign-in that has just happened, on every instance, once `response` is done:
 * - `accountId`: the account's sessions pages list the new session.
 * - `binding` (the browser's binding hash, when known): its other tabs move to the
 *   signed-in state. After the response, so they navigate with the new session cookie
 *   rather than the one this sign-in replaced (which the server would treat as ended).
 * - `replaced` (the ref of the session the sign-in replaced, if any): that session ended,
 *   so its live sockets are told and closed; they were opened under it and must not submit
 *   anything more. The page that made the sign-in is leaving with its handoff and ignores
 *   the notice (client/App.tsx).
 * Not awaited and never thrown: the sign-in has happened, and a lost notice only leaves
 * another tab out of date until its next navigation.
 */
export function announceSignIn(
  events: SessionEvents,
  change: { binding: string | null; replaced: string | null; accountId: string },
  logger: Logger,
  response: ServerResponse,
): void {
  const notices: SessionEvent[] = [
    { type: 'session-started', account: accountTopic(change.accountId) },
  ];
  if (change.binding !== null) notices.push({ type: 'signed-in', binding: change.binding });
  if (change.replaced !== null)
    notices.push({ type: 'ended', ref: change.replaced, reason: 'revoked' });
  // One listener for all of them: every sign-in comes this way.
  const publish = () => {
    for (const event of notices) {
      events
        .publish(event)
        .catch((error: unknown) =>
          logger.warn({ err: error, event: event.type }, 'session notice not published'),
        );
    }
  };
  // 'close' follows a sent response, and an aborted one too.
  if (response.closed) publish();
  else response.once('close', publish);
}
