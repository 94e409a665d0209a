/**
 * Server-side sessions with koa-session: the cookie carries only an opaque, signed id; the
 * data lives in the store under a SHA-256 of that id (so a copy of the store holds no
 * usable session ids). Sessions are written only at sign-in and removed at sign-out
 * (`autoCommit: false`): a page view never costs a store write.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type Koa from 'koa';
import createSession from 'koa-session';
import type { SessionStore } from '../store/store.ts';
import { BASE_COOKIE, SESSION_COOKIE } from './cookies.ts';

/** What Baton keeps in a session. */
export interface SessionFields {
  accountId?: string;
  signedInAt?: number;
}

export const DEFAULT_SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The public handle of a session: a hash of its id. Safe to log, publish between instances
 * and keep in memory; it cannot be turned back into a cookie.
 */
export function sessionRef(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

/** Adapts the store to koa-session's external store, keyed by the session's ref. */
function externalStore(sessions: SessionStore) {
  return {
    get: (id: string) => sessions.get(sessionRef(id)),
    set: (id: string, data: Record<string, unknown>, maxAge: number) => sessions.set(sessionRef(id), data, maxAge),
    destroy: (id: string) => sessions.destroy(sessionRef(id)),
  };
}

export interface SessionOptions {
  sessions: SessionStore;
  maxAgeMs?: number;
}

/** Installs koa-session on `app` and returns its middleware. `app.keys` must already be set. */
export function createSessionMiddleware(app: Koa, options: SessionOptions): Koa.Middleware {
  return createSession(
    {
      ...BASE_COOKIE,
      key: SESSION_COOKIE,
      signed: true,
      autoCommit: false,
      maxAge: options.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS,
      // 256 random bits: the default UUID has 122.
      genid: () => randomBytes(32).toString('base64url'),
      store: externalStore(options.sessions),
    },
    app,
  ) as Koa.Middleware;
}

/** The signed-in account of this request, if any. */
export function currentAccountId(ctx: Koa.Context): string | null {
  const accountId = (ctx.session as SessionFields | null)?.accountId;
  return typeof accountId === 'string' ? accountId : null;
}

/** The ref of this request's session cookie, when it carries a valid signed one. */
export function currentSessionRef(ctx: Koa.Context): string | null {
  const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
  return id ? sessionRef(id) : null;
}

/**
 * Signs `accountId` in: replaces whatever session the browser had with a new one under a
 * new id (so a session id planted before sign-in is worthless after it), written once.
 */
export async function signIn(ctx: Koa.Context, accountId: string, now = Date.now()): Promise<void> {
  const fields: SessionFields = { accountId, signedInAt: now };
  ctx.session = fields as Record<string, unknown>;
  // regenerate: destroys the old id in the store, draws a new id, saves, sets the cookie.
  await (ctx.session as unknown as { regenerate(): Promise<void> }).regenerate();
}

/** Ends this request's session on the server and clears its cookie. Returns its ref, if any. */
export async function signOut(ctx: Koa.Context, sessions: SessionStore): Promise<string | null> {
  const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
  ctx.cookies.set(SESSION_COOKIE, null, BASE_COOKIE);
  ctx.cookies.set(`${SESSION_COOKIE}.sig`, null, BASE_COOKIE);
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
  middleware: Koa.Middleware,
  req: IncomingMessage,
): Promise<{ ref: string | null; accountId: string | null; ctx: Koa.Context }> {
  // The upgrade has no response object; koa-session reads cookies only, and with
  // autoCommit off it writes nothing, so a detached ServerResponse is enough.
  const ctx = app.createContext(req, new ServerResponse(req));
  await middleware(ctx, async () => {});
  return { ref: currentSessionRef(ctx), accountId: currentAccountId(ctx), ctx };
}
