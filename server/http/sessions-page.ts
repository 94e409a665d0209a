/**
 * The sessions page (`GET /account/sessions`) and its two buttons, plain posts that work
 * without JavaScript: "Sign out" one other session, addressed by its handle (never its id or
 * ref), and "Sign out all other sessions". Both end sessions of the person's own account
 * only, need a recent authentication (sudo: else /confirm-password, then back here), and
 * close the ended sessions' sockets on every instance; their next page says they were
 * signed out on another device.
 *
 * Ending a session does not move the account's credential version (which would also kill
 * its emailed links and every other browser's sign-in in flight). What an ended session
 * could still hold is a handoff sealed on its socket: a `confirm` one is refused once its
 * session is gone (handoff/redeem.ts), and a `sign-in` one sealed on a signed-in socket names
 * that session and is refused too (`handoff.session-ended`).
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { type Flash, SESSIONS_PATH } from '../../shared/page.ts';
import type { CookieNames } from '../session/cookies.ts';
import { announceEnded } from '../session/ended.ts';
import type { SessionEvents } from '../session/events.ts';
import { listSessions } from '../session/listing.ts';
import {
  authenticatedSince,
  currentAccountId,
  currentSessionRef,
  type SessionFields,
  type SessionTimeouts,
} from '../session/session.ts';
import { confirmFirst, logInFirst, type PageDeps, sendPage, signedInAccount } from './pages.ts';
import { seeOther } from './see-other.ts';

export interface SessionsPageDeps extends PageDeps {
  events: SessionEvents;
  names: CookieNames;
  timeouts: SessionTimeouts;
}

export const SESSION_SIGNED_OUT: Flash = { kind: 'info', text: 'That session is signed out.' };
export const OTHERS_SIGNED_OUT: Flash = {
  kind: 'info',
  text: 'Every other session is signed out.',
};
export const ALREADY_ENDED: Flash = { kind: 'notice', text: 'That session had already ended.' };

function body(ctx: Koa.Context): Record<string, unknown> {
  return (ctx.request as { body?: Record<string, unknown> }).body ?? {};
}

/**
 * Runs `end` for a signed-in person who authenticated recently, then goes back to the
 * sessions page with its flash; anyone else goes to sign in or confirm first.
 */
function sensitivePost(
  deps: SessionsPageDeps,
  end: (ctx: Koa.Context, accountId: string, ownRef: string | null) => Promise<Flash>,
): Koa.Middleware {
  return async (ctx) => {
    const accountId = currentAccountId(ctx);
    if (!accountId) return logInFirst(ctx, deps, SESSIONS_PATH);
    const now = (deps.now ?? Date.now)();
    if (!authenticatedSince(ctx.session as SessionFields, now, deps.sudoMs))
      return confirmFirst(ctx, deps, SESSIONS_PATH);
    const flash = await end(ctx, accountId, currentSessionRef(ctx, deps.names));
    deps.flash.set(ctx, [flash]);
    seeOther(ctx, SESSIONS_PATH);
  };
}

/** Adds `GET /account/sessions` and its two posts. Bodies must be parsed before. */
export function addSessionsRoutes(router: Router, deps: SessionsPageDeps): void {
  router.get('sessions', SESSIONS_PATH, async (ctx) => {
    const account = await signedInAccount(ctx, deps.store);
    if (!account) return logInFirst(ctx, deps, SESSIONS_PATH);
    const now = (deps.now ?? Date.now)();
    const own = currentSessionRef(ctx, deps.names);
    const { views } = await listSessions(deps.store.sessions, deps.timeouts, now, account.id, own);
    await sendPage(ctx, deps, {
      page: 'sessions',
      sessions: views,
      flash: deps.flash.take(ctx),
      signedInEmail: account.email,
    });
  });

  router.post(
    `${SESSIONS_PATH}/sign-out`,
    sensitivePost(deps, async (ctx, accountId, ownRef) => {
      const handle = body(ctx).handle;
      // This browser's own session is ended by "Log out", never by its handle here.
      const own = (ctx.session as SessionFields | null)?.handle;
      if (typeof handle !== 'string' || handle === '' || handle === own) return ALREADY_ENDED;
      const ended = await deps.store.sessions.destroyByHandle(accountId, handle);
      if (ended === null || ended === ownRef) return ALREADY_ENDED;
      await announceEnded(deps.store.sessions, deps.events, [ended], 'signed-out');
      return SESSION_SIGNED_OUT;
    }),
  );

  router.post(
    `${SESSIONS_PATH}/sign-out-others`,
    sensitivePost(deps, async (_ctx, accountId, ownRef) => {
      const ended = await deps.store.sessions.destroyForAccount(accountId, ownRef);
      await announceEnded(deps.store.sessions, deps.events, ended, 'signed-out');
      return OTHERS_SIGNED_OUT;
    }),
  );
}
