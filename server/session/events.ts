/**
 * Session events, heard by every instance:
 * - `ended`: a session ended (sign-out, expiry, revocation); its live sockets are told and closed.
 * - `signed-in`: a browser signed in; its other tabs' sockets are told to reload into the
 *   signed-in state.
 * - `resync`: raised by a bus itself, never sent between instances: it may have missed
 *   events (its Redis subscription dropped and is back), so listeners check their state
 *   against the store.
 * In-process here (one machine on SQLite); on Redis the same events travel over pub/sub
 * (redis-events.ts). Both carry only hashes: a session's ref, a binding's hash.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { SessionEndReason } from '../../shared/protocol.ts';
import type { Logger } from '../logger.ts';

export type SessionEvent =
  /** `ref` is the session's ref (a hash of its id; see session.ts). */
  | { type: 'ended'; ref: string; reason: SessionEndReason }
  /** `binding` is the hash of the browser's binding cookie (see handoff/seal.ts). */
  | { type: 'signed-in'; binding: string }
  | { type: 'resync' };

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
 * Tells the browser whose binding hash is `binding` that it just signed in, so its other
 * tabs (on any instance) move to the signed-in state. Sent once `response` is done, so those
 * tabs navigate with the new session cookie rather than the one this sign-in replaced (which
 * the server would then treat as ended). Not awaited and never thrown: the sign-in has
 * happened, and a lost notice only leaves another tab out of date until its next navigation.
 */
export function announceSignIn(
  events: SessionEvents,
  binding: string,
  logger: Logger,
  response: ServerResponse,
): void {
  publishAfter(response, events, { type: 'signed-in', binding }, logger);
}

/**
 * Announces the end of the session (ref) a sign-in has just replaced, so its live sockets,
 * on every instance, are told and closed: they were opened under the old session and must
 * not submit anything more. Sent once `response` is done, for the reason given above: the
 * browser's other tabs then follow it with the new cookie. The page that made the sign-in
 * is leaving with its handoff and ignores the notice (client/live/handoff.ts).
 */
export function announceReplaced(
  events: SessionEvents,
  ref: string,
  logger: Logger,
  response: ServerResponse,
): void {
  publishAfter(response, events, { type: 'ended', ref, reason: 'revoked' }, logger);
}

function publishAfter(
  response: ServerResponse,
  events: SessionEvents,
  event: SessionEvent,
  logger: Logger,
): void {
  const publish = () => {
    events
      .publish(event)
      .catch((error: unknown) =>
        logger.warn({ err: error, event: event.type }, 'session notice not published'),
      );
  };
  // 'close' follows a sent response, and an aborted one too.
  if (response.closed) publish();
  else response.once('close', publish);
}
