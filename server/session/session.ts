/**
 * Server-side sessions with koa-session: the cookie carries only an opaque, signed id; the
 * data lives in the store under the id's ref, a hash of it (session-id.ts), so a copy of
 * the store holds no usable session ids. Sessions are written only at sign-in and removed
 * at sign-out (`autoCommit: false`): a page view never costs a store write.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import createSession from 'koa-session';
import { type Flash, OTHER_TAB_QUERY } from '../../shared/page.ts';
import type { HandoffLedger, SessionStore } from '../store/store.ts';
import { type CookieNames, cookieAttributes } from './cookies.ts';
import { newSessionId, sessionRef } from './session-id.ts';

/** What Baton keeps in a session. */
export interface SessionFields {
  accountId?: string;
  /** When the person signed in (ms): the absolute timeout counts from here. */
  signedInAt?: number;
  /** Last request seen (ms, updated at most once a minute): the idle timeout counts from here. */
  seenAt?: number;
}

/** What the next page says when it finds this browser's session ended (see `onEnded`). */
export const SESSION_ENDED: Flash = {
  kind: 'info',
  text: 'Your session has ended. Log in again to continue.',
};

/** How long a session lives: without a request (`idleMs`) and at most (`absoluteMs`). */
export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<SessionTimeouts> = Object.freeze({
  idleMs: 30 * 60 * 1000,
  absoluteMs: 12 * 60 * 60 * 1000,
});

/** Writing `seenAt` on every request would cost a store write per page; once a minute is enough. */
const SEEN_RESOLUTION_MS = 60 * 1000;

/** When a signed-in session ends by itself, in ms since the epoch (the sooner of both timeouts). */
export function sessionDeadline(fields: SessionFields, timeouts: SessionTimeouts): number {
  const signedInAt = fields.signedInAt ?? 0;
  const seenAt = fields.seenAt ?? signedInAt;
  return Math.min(signedInAt + timeouts.absoluteMs, seenAt + timeouts.idleMs);
}

/** A handoff whose id is consumed in the same write as the session it signs in. */
export interface HandoffToConsume {
  id: string;
  expiresAt: number;
}

/** The handoff each signing-in request consumes with its session write (see signIn). */
const consuming = new WeakMap<Koa.Context, HandoffToConsume>();
/** The ref of the session a signing-in request replaces, destroyed in that same write. */
const replacing = new WeakMap<Koa.Context, string>();

/** Thrown through koa-session's save when the handoff was used first: no cookie is set. */
class HandoffAlreadyUsed extends Error {}

/**
 * Adapts the store to koa-session's external store, keyed by the session's ref. A request
 * that is redeeming a handoff writes its session through the ledger instead, in one step
 * with the handoff's consumption and the removal of the session it replaces.
 */
function externalStore(sessions: SessionStore, handoffs: HandoffLedger) {
  // koa-session passes the request's context; without it a pending handoff could not be
  // found, so refuse rather than write or destroy a session outside the ledger's step.
  const contextOf = (options?: { ctx?: Koa.Context }): Koa.Context => {
    if (!options?.ctx) throw new Error('koa-session did not pass the request context to the store');
    return options.ctx;
  };
  return {
    get: (id: string) => sessions.get(sessionRef(id)),
    async set(
      id: string,
      data: Record<string, unknown>,
      maxAge: number,
      options?: { ctx?: Koa.Context },
    ) {
      const ctx = contextOf(options);
      const handoff = consuming.get(ctx);
      if (!handoff) return sessions.set(sessionRef(id), data, maxAge);
      const session = { key: sessionRef(id), data, ttlMs: maxAge };
      const replaces = replacing.get(ctx) ?? null;
      if (!(await handoffs.redeem(handoff.id, handoff.expiresAt, session, replaces)))
        throw new HandoffAlreadyUsed('handoff already used');
    },
    async destroy(id: string, options?: { ctx?: Koa.Context }) {
      const ctx = contextOf(options);
      // Regenerating for a handoff: the old session goes in the redeem's own step.
      if (consuming.has(ctx)) replacing.set(ctx, sessionRef(id));
      else await sessions.destroy(sessionRef(id));
    },
  };
}

export interface SessionOptions {
  sessions: SessionStore;
  handoffs: HandoffLedger;
  timeouts: SessionTimeouts;
  names: CookieNames;
  /** Called when a request finds its session timed out (it is already destroyed). */
  onExpired: (ref: string) => void;
  /**
   * Called on a page request (GET) whose session cookie names a session that has ended:
   * timed out, or gone from the store (revoked by a password change, swept). The cookie
   * is already cleared. A sign-out in this browser clears the cookie itself, so it does
   * not usually get here.
   */
  onEnded?: (ctx: Koa.Context) => void;
  now?: () => number;
}

/**
 * Installs koa-session on `app` and returns two middlewares: `load` reads the session (as
 * koa-session does), `guard` ends a timed-out one and notes activity once a minute.
 * `app.keys` must already be set.
 */
export function createSessionMiddleware(
  app: Koa,
  options: SessionOptions,
): { load: Koa.Middleware; guard: Koa.Middleware } {
  const now = options.now ?? Date.now;
  const load = createSession(
    {
      ...cookieAttributes(options.names),
      key: options.names.session,
      signed: true,
      autoCommit: false,
      // The cookie and the stored data last as long as the absolute timeout allows.
      maxAge: options.timeouts.absoluteMs,
      // 256 random bits after the time (session-id.ts): the default UUID has 122 and no order.
      // Drawn from the pooled CSPRNG: koa-session draws one for every request without a session.
      genid: () => newSessionId(now()),
      store: externalStore(options.sessions, options.handoffs),
    },
    app,
  ) as Koa.Middleware;

  const ended = (ctx: Koa.Context) => {
    if (ctx.method === 'GET') options.onEnded?.(ctx);
  };
  const guard: Koa.Middleware = async (ctx, next) => {
    const fields = ctx.session as (SessionFields & { isNew?: boolean }) | null;
    if (fields?.accountId) {
      const at = now();
      if (at >= sessionDeadline(fields, options.timeouts)) {
        const ref = await signOut(ctx, options.sessions, options.names);
        ctx.session = null;
        if (ref) options.onExpired(ref);
        ended(ctx);
      } else if (at - (fields.seenAt ?? 0) >= SEEN_RESOLUTION_MS) {
        fields.seenAt = at;
        await (ctx.session as unknown as { manuallyCommit(): Promise<void> }).manuallyCommit();
      }
    } else if (
      fields?.isNew &&
      ctx.cookies.get(options.names.session, { signed: true }) &&
      ctx.query[OTHER_TAB_QUERY.name] !== OTHER_TAB_QUERY.value
    ) {
      // A validly signed cookie but no stored session: it ended while this browser was away.
      // Not on a tab following a sign-in in another tab: that sign-in replaced this cookie,
      // and clearing it here could clear the new one the browser has just been given.
      clearSessionCookie(ctx, options.names);
      ended(ctx);
    }
    await next();
  };
  return { load, guard };
}

/** The signed-in account of this request, if any. */
export function currentAccountId(ctx: Koa.Context): string | null {
  const accountId = (ctx.session as SessionFields | null)?.accountId;
  return typeof accountId === 'string' ? accountId : null;
}

/** The ref of this request's session cookie, when it carries a valid signed one. */
export function currentSessionRef(ctx: Koa.Context, names: CookieNames): string | null {
  const id = ctx.cookies.get(names.session, { signed: true });
  return id ? sessionRef(id) : null;
}

/**
 * Signs `accountId` in: replaces whatever session the browser had with a new one under a
 * new id (so a session id planted before sign-in is worthless after it), written once.
 *
 * With a `handoff`, the sign-in happens only if this is the handoff's first use: resolves
 * false, with no session changed and no cookie set, when it was used before.
 */
export async function signIn(
  ctx: Koa.Context,
  accountId: string,
  now = Date.now(),
  handoff?: HandoffToConsume,
): Promise<boolean> {
  const fields: SessionFields = { accountId, signedInAt: now, seenAt: now };
  // koa-session marks a session `isNew` when the store had none for this request (no cookie,
  // or an unknown or expired id); its id was then drawn by `genid` in this very request and
  // has never left the server, so no one can have planted it. Saving under it is as safe
  // as regenerating, without deleting a row that was never written and without setting and
  // then overwriting an expired cookie (BENCHMARKS.md, the redeem section, gives the cost).
  const fresh = (ctx.session as { isNew?: boolean } | null)?.isNew === true;
  ctx.session = fields as Record<string, unknown>;
  const session = ctx.session as unknown as { regenerate(): Promise<void>; save(): Promise<void> };
  // regenerate: destroys the old id in the store, draws a new id, saves, sets the cookie.
  // With a handoff, the store writes the session (and destroys the one it replaces) in the
  // same step that consumes the handoff: see externalStore.
  if (handoff) consuming.set(ctx, handoff);
  try {
    await (fresh ? session.save() : session.regenerate());
    return true;
  } catch (error) {
    if (!handoff) throw error;
    // Nothing changed in the store; neither may the browser's cookie, which regenerating
    // has already queued for deletion.
    unqueueSessionCookie(ctx);
    ctx.session = null;
    if (error instanceof HandoffAlreadyUsed) return false;
    throw error;
  } finally {
    consuming.delete(ctx);
    replacing.delete(ctx);
  }
}

/** Takes back the session cookie headers this response was going to send. */
function unqueueSessionCookie(ctx: Koa.Context): void {
  const key = (ctx as unknown as { sessionOptions: { key: string } }).sessionOptions.key;
  const lines = ctx.res.getHeader('Set-Cookie');
  if (!Array.isArray(lines)) return;
  const kept = lines.filter(
    (line) => !line.startsWith(`${key}=`) && !line.startsWith(`${key}.sig=`),
  );
  if (kept.length > 0) ctx.res.setHeader('Set-Cookie', kept);
  else ctx.res.removeHeader('Set-Cookie');
}

/** Tells the browser to drop its session cookie and the cookie's signature. */
function clearSessionCookie(ctx: Koa.Context, names: CookieNames): void {
  const attributes = cookieAttributes(names);
  ctx.cookies.set(names.session, null, attributes);
  ctx.cookies.set(`${names.session}.sig`, null, attributes);
}

/** Ends this request's session on the server and clears its cookie. Returns its ref, if any. */
export async function signOut(
  ctx: Koa.Context,
  sessions: SessionStore,
  names: CookieNames,
): Promise<string | null> {
  const id = ctx.cookies.get(names.session, { signed: true });
  clearSessionCookie(ctx, names);
  if (!id) return null;
  const ref = sessionRef(id);
  await sessions.destroy(ref);
  return ref;
}

/**
 * Reads the session of a request that Koa does not handle, such as a WebSocket upgrade,
 * with the same cookie checks as every page.
 */
export async function readSession(
  app: Koa,
  load: Koa.Middleware,
  req: IncomingMessage,
  names: CookieNames,
  timeouts: SessionTimeouts,
): Promise<{ ref: string; accountId: string; deadline: number } | null> {
  // The upgrade has no response object; koa-session reads cookies only, and with
  // autoCommit off it writes nothing, so a detached ServerResponse is enough.
  const ctx = app.createContext(req, new ServerResponse(req));
  await load(ctx, async () => {});
  const fields = ctx.session as SessionFields | null;
  const ref = currentSessionRef(ctx, names);
  if (!fields?.accountId || !ref) return null;
  const deadline = sessionDeadline(fields, timeouts);
  return deadline > Date.now() ? { ref, accountId: fields.accountId, deadline } : null;
}
