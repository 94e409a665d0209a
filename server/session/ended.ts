/**
 * Why a session ended, told to the browser that held it. A session ended elsewhere (a
 * password change, "Sign out" on another device) leaves a small marker in the store for a
 * day, under a key of its own beside the session's (so nothing that writes sessions can
 * mistake it for one, and a touch can never bring the session back through it). The next
 * page that browser loads reads it, says why in a neutral notice, and removes it. Sessions
 * that time out say so without a marker (the request itself finds the deadline passed);
 * any other ending says only that the session ended.
 */
import type { Flash } from '../../shared/page.ts';
import type { SessionEndReason } from '../../shared/protocol.ts';
import type { SessionStore } from '../store/store.ts';
import type { SessionEvents } from './events.ts';

/** What a page says when it finds this browser's session gone, and cannot say why. */
export const SESSION_ENDED: Flash = {
  kind: 'notice',
  text: 'Your session has ended. Log in again to continue.',
};

/**
 * Why a session ended, as its marker records it: the socket's reasons, plus those only the
 * next page tells apart (the socket says `revoked` for them, and its page goes to /login,
 * which reads the marker). Kept off the wire, so the page scripts carry none of them.
 */
export type EndedReason = SessionEndReason | 'email-changed';

/** What a page says for each reason a session ended. */
export const ENDED_NOTICES: Readonly<Record<EndedReason, Flash>> = Object.freeze({
  expired: { kind: 'notice', text: 'Your session timed out. Log in again to continue.' },
  'signed-out': {
    kind: 'notice',
    text: 'You were signed out on another device. Log in again to continue.',
  },
  revoked: {
    kind: 'notice',
    text: 'You were signed out because your password was changed. Log in again to continue.',
  },
  deleted: { kind: 'notice', text: 'Your account was deleted.' },
  'email-changed': {
    kind: 'notice',
    text: 'You were signed out because your email was changed. Log in again to continue.',
  },
});

/** How long a marker waits for its browser to come back; after that it says only "ended". */
export const ENDED_MARKER_MS = 24 * 60 * 60 * 1000;

/** Where the marker of the session under `ref` lives: its own key, never a session's. */
export const endedMarkerKey = (ref: string): string => `ended:${ref}`;

/**
 * Ends nothing by itself: records why the sessions under `refs` (already destroyed by the
 * caller, in its own store step) ended, then tells every instance to close their sockets
 * with `reason`. `marker` is what the next page says, when it says more than `reason`.
 */
export async function announceEnded(
  sessions: SessionStore,
  events: SessionEvents,
  refs: readonly string[],
  reason: SessionEndReason,
  marker: EndedReason = reason,
): Promise<void> {
  await Promise.all(
    refs.map((ref) => sessions.set(endedMarkerKey(ref), { endedReason: marker }, ENDED_MARKER_MS)),
  );
  await Promise.all(refs.map((ref) => events.publish({ type: 'ended', ref, reason })));
}

/** The notice for the ended session under `ref`: its marker's reason (removed once read), or SESSION_ENDED. */
export async function endedNotice(sessions: SessionStore, ref: string | null): Promise<Flash> {
  if (ref === null) return SESSION_ENDED;
  const key = endedMarkerKey(ref);
  const marker = await sessions.get(key);
  const reason = marker?.endedReason;
  if (typeof reason !== 'string' || !Object.hasOwn(ENDED_NOTICES, reason)) return SESSION_ENDED;
  await sessions.destroy(key);
  return ENDED_NOTICES[reason as EndedReason];
}
