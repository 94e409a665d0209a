/**
 * The account's sessions as the sessions page shows them: live ones only (the store's expiry,
 * then each session's own idle and absolute limits), this browser's first, then the most
 * recently active. Last active is the session's `seenAt`, which a request moves at most once
 * a minute (session.ts): fresh enough to read, and no store write of its own.
 */
import type { SessionView } from '../../shared/protocol.ts';
import type { SessionStore } from '../store/store.ts';
import { UNKNOWN_DEVICE } from './device.ts';
import { type SessionFields, type SessionTimeouts, sessionDeadline } from './session.ts';

export interface SessionList {
  views: SessionView[];
  /** The refs of the sessions listed (server-side only: which ends concern this list). */
  refs: string[];
}

/**
 * Lists `accountId`'s live sessions, marking the one under `currentRef` as this browser's.
 * A session signed in before sessions kept a handle is listed with an empty one: it can be
 * ended by "Sign out all other sessions", not on its own.
 */
export async function listSessions(
  sessions: SessionStore,
  timeouts: SessionTimeouts,
  now: number,
  accountId: string,
  currentRef: string | null,
): Promise<SessionList> {
  const listed = (await sessions.listForAccount(accountId))
    .map(({ key, data }) => ({ key, fields: data as SessionFields }))
    .filter(({ fields }) => sessionDeadline(fields, timeouts) > now);
  const views = listed.map(({ key, fields }) => ({
    key,
    view: {
      handle: fields.handle ?? '',
      device: fields.device ?? UNKNOWN_DEVICE,
      ip: fields.ip ?? '',
      signedInAt: fields.signedInAt ?? 0,
      lastActiveAt: fields.seenAt ?? fields.signedInAt ?? 0,
      current: key === currentRef,
    } satisfies SessionView,
  }));
  views.sort(
    (a, b) =>
      Number(b.view.current) - Number(a.view.current) || b.view.lastActiveAt - a.view.lastActiveAt,
  );
  return { views: views.map(({ view }) => view), refs: views.map(({ key }) => key) };
}
