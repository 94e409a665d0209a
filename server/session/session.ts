/**
 * Server-side sessions with koa-session: the cookie carries only an opaque, signed id; the
 * data lives in the store under the id's ref, a hash of it (session-id.ts), so a copy of
 * the store holds no usable session ids. Sessions are written at sign-in, removed at
 * sign-out, and otherwise written only to move `seenAt` (the idle timeout counts from it),
 * at most once a minute per session (`autoCommit: false`, then `manuallyCommit` in guard):
 * a request costs a store write only when its session's `seenAt` is a minute old.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import createSession from 'koa-session';
import { type Flash, OTHER_TAB_QUERY } from '../../shared/page.ts';
import { randomBytesFast } from '../keys/random.ts';
import type { SessionStore, SessionWrite } from '../store/store.ts';
import { type CookieNames, cookieAttributes } from './cookies.ts';
import { describeDevice } from './device.ts';
import { ENDED_NOTICES, endedNotice } from './ended.ts';
import { newSessionId, sessionRef } from './session-id.ts';

/** What Baton keeps in a session. */
export interface SessionFields {
  accountId?: string;
  /** When the person signed in (ms): the absolute timeout counts from here. */
  signedInAt?: number;
  /**
   * When the person last proved who they are (ms): the sign-in, or a password confirmation
   * since. Sudo mode (SUDO_MINUTES, see `authenticatedSince`) counts from here.
   */
  authAt?: number;
  /** Signed in with "Remember me": a persistent cookie and the REMEMBER_DAYS limits. */
  remember?: boolean;
  /** Last request seen (ms, updated at most once a minute): the idle timeout counts from here. */
  seenAt?: number;
  /**
   * What the sessions page addresses this session by (random, drawn at sign-in): never its
   * id nor its ref, so nothing on a page can name a session to the store or the bus.
   */
  handle?: string;
  /** The browser it signed in from, readable ("Chrome on Linux": device.ts). */
  device?: string;
  /** The client IP it signed in from. */
  ip?: string;
}

/**
 * How long a session lives: without a request (`idleMs`) and at most (`absoluteMs`); a
 * "Remember me" session lives `rememberMs` for both (REMEMBER_DAYS; 30 days when absent).
 */
export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
  rememberMs?: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Required<SessionTimeouts>> = Object.freeze({
  idleMs: 30 * 60 * 1000,
  absoluteMs: 12 * 60 * 60 * 1000,
  rememberMs: 30 * 24 * 60 * 60 * 1000,
});

/** The idle and absolute limits of one session: its own kind's. */
export function limitsOf(fields: SessionFields, timeouts: SessionTimeouts): SessionTimeouts {
  if (!fields.remember) return timeouts;
  const rememberMs = timeouts.rememberMs ?? DEFAULT_TIMEOUTS.rememberMs;
  return { idleMs: rememberMs, absoluteMs: rememberMs };
}

/**
 * The cookie's lifetime (koa-session's documented `Session#maxAge`): a remembered session's
 * cookie lasts as long as the session may; any other ends with the browser.
 */
function cookieMaxAge(fields: SessionFields, timeouts: SessionTimeouts): number | 'session' {
  return fields.remember ? limitsOf(fields, timeouts).absoluteMs : 'session';
}

/** Sets this request's session cookie lifetime from its fields (before koa-session saves it). */
function setCookieLifetime(ctx: Koa.Context, timeouts: SessionTimeouts): void {
  const session = ctx.session as unknown as SessionFields & { maxAge: number | 'session' };
  session.maxAge = cookieMaxAge(session, timeouts);
}

/** Writing `seenAt` on every request would cost a store write per page; once a minute is enough. */
const SEEN_RESOLUTION_MS = 60 * 1000;

/** When a signed-in session ends by itself, in ms since the epoch (the sooner of both timeouts). */
export function sessionDeadline(fields: SessionFields, timeouts: SessionTimeouts): number {
  const limits = limitsOf(fields, timeouts);
  const signedInAt = fields.signedInAt ?? 0;
  const seenAt = fields.seenAt ?? signedInAt;
  return Math.min(signedInAt + limits.absoluteMs, seenAt + limits.idleMs);
}

/**
 * Whether the person proved who they are (signed in, or confirmed their password) within
 * `withinMs` of `now`: what sudo mode asks of sensitive pages and forms.
 */
export function authenticatedSince(
  fields: SessionFields | null,
  now: number,
  withinMs: number,
): boolean {
  const at = fields?.authAt ?? fields?.signedInAt;
  return typeof at === 'number' && now - at <= withinMs;
}

/**
 * Where a request keeps the id of a session it has already written in a store step of its
 * own (a handoff's redeem): koa-session is told to put that id in the cookie (`genid`) and
 * the adapter below does not write or destroy anything for it again. `ctx.state` is Koa's
 * documented place for per-request data; a symbol keeps the key out of everyone's way.
 */
const ADOPTED = Symbol('baton.adoptedSessionId');

/**
 * A sign-in without a handoff (a plain form post): the session it replaces is removed only
 * once the new one is written, so a store failing in between leaves the browser signed in
 * as it was (the error response drops the cookie koa-session had queued). Holds the ref to
 * remove, or null before regenerate's destroy has named one.
 */
const DEFERRED_DESTROY = Symbol('baton.deferredDestroy');
/**
 * A save that only notes activity (`seenAt`): the store touches the session, which never
 * brings back one that a sign-out elsewhere has just ended. Holds the touch's outcome.
 */
const TOUCH = Symbol('baton.touch');

type BatonState = {
  [ADOPTED]?: string;
  [DEFERRED_DESTROY]?: string | null;
  [TOUCH]?: { alive: boolean };
};
const stateOf = (ctx: Koa.Context): BatonState => ctx.state as BatonState;
const adoptedId = (ctx: Koa.Context): string | undefined => stateOf(ctx)[ADOPTED];

/**
 * Adapts the store to koa-session's external store interface (get/set/destroy, each told
 * the request's context), keyed by the session's ref.
 */
function externalStore(sessions: SessionStore, timeouts: SessionTimeouts) {
  // How long the store keeps a session: its own kind's absolute limit from now, which is
  // never less than it has left. koa-session's own figure is 'session' for a cookie that
  // ends with the browser, which no store can expire by.
  const ttlOf = (data: Record<string, unknown>) => limitsOf(data, timeouts).absoluteMs;
  // koa-session documents that it passes the request's context; without it an adopted
  // session could not be recognised, so refuse rather than write or destroy a session twice.
  const contextOf = (options?: { ctx?: Koa.Context }): Koa.Context => {
    if (!options?.ctx) throw new Error('koa-session did not pass the request context to the store');
    return options.ctx;
  };
  return {
    get: (id: string) => sessions.get(sessionRef(id)),
    async set(
      id: string,
      data: Record<string, unknown>,
      _maxAge: number | 'session',
      options: { ctx?: Koa.Context },
    ) {
      const state = stateOf(contextOf(options));
      // An adopted session was written with the store step that adopted it.
      if (state[ADOPTED] === id) return;
      const touch = state[TOUCH];
      if (touch) {
        touch.alive = await sessions.touch(sessionRef(id), data, ttlOf(data));
        return;
      }
      await sessions.set(sessionRef(id), data, ttlOf(data));
      const replaced = state[DEFERRED_DESTROY];
      if (typeof replaced === 'string') await sessions.destroy(replaced);
    },
    async destroy(id: string, options: { ctx?: Koa.Context }) {
      const state = stateOf(contextOf(options));
      // Adopting: the session it replaces went in the same store step (or was never
      // written, when koa-session had only drawn an id for this request).
      if (state[ADOPTED] !== undefined) return;
      // Signing in by form: the old session goes once the new one is written (see set).
      if (DEFERRED_DESTROY in state) {
        state[DEFERRED_DESTROY] = sessionRef(id);
        return;
      }
      await sessions.destroy(sessionRef(id));
    },
  };
}

export interface SessionOptions {
  sessions: SessionStore;
  timeouts: SessionTimeouts;
  names: CookieNames;
  /** Called when a request finds its session timed out (it is already destroyed). */
  onExpired: (ref: string) => void;
  /**
   * Called on a page request (GET) whose session cookie names a session that has ended:
   * timed out, or gone from the store (revoked by a password change, signed out on
   * another device, swept), with the neutral notice that says why (./ended.ts). The cookie
   * is already cleared. A sign-out in this browser clears the cookie itself, so it does
   * not usually get here.
   */
  onEnded?: (ctx: Koa.Context, notice: Flash) => void;
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
      // A cookie that ends with the browser, unless the session says "Remember me"
      // (setCookieLifetime); the store keeps the data for the session's absolute limit.
      maxAge: 'session',
      // 256 random bits after the time (session-id.ts): the default UUID has 122 and no order.
      // Drawn from the pooled CSPRNG: koa-session draws one for every request without a session.
      // An adopted session's id was drawn by the step that wrote it (see adoptSession).
      genid: (ctx: unknown) => adoptedId(ctx as Koa.Context) ?? newSessionId(now()),
      store: externalStore(options.sessions, options.timeouts),
    },
    app,
  ) as Koa.Middleware;

  // Only a page (GET) says why: a form post answers with its own outcome. The marker of
  // why a session ended elsewhere is read (and removed) only then.
  const ended = async (ctx: Koa.Context, ref: string | null, known?: Flash) => {
    if (ctx.method !== 'GET' || !options.onEnded) return;
    options.onEnded(ctx, known ?? (await endedNotice(options.sessions, ref)));
  };
  const guard: Koa.Middleware = async (ctx, next) => {
    const fields = ctx.session as (SessionFields & { isNew?: boolean }) | null;
    if (fields?.accountId) {
      const at = now();
      if (at >= sessionDeadline(fields, options.timeouts)) {
        const ref = await signOut(ctx, options.sessions, options.names);
        ctx.session = null;
        if (ref) options.onExpired(ref);
        await ended(ctx, ref, ENDED_NOTICES.expired);
      } else if (at - (fields.seenAt ?? 0) >= SEEN_RESOLUTION_MS) {
        fields.seenAt = at;
        // A session adopted from a handoff was stored without koa-session's own note of
        // its cookie's lifetime; saying it here keeps a remembered cookie persistent.
        setCookieLifetime(ctx, options.timeouts);
        if (!(await touch(ctx))) {
          // Signed out (or revoked) elsewhere since this request read the session.
          const ref = currentSessionRef(ctx, options.names);
          clearSessionCookie(ctx, options.names);
          ctx.session = null;
          await ended(ctx, ref);
        }
      }
    } else if (
      fields?.isNew &&
      ctx.cookies.get(options.names.session, { signed: true }) &&
      ctx.query[OTHER_TAB_QUERY.name] !== OTHER_TAB_QUERY.value
    ) {
      // A validly signed cookie but no stored session: it ended while this browser was away.
      // Not on a tab following a sign-in in another tab: that sign-in replaced this cookie,
      // and clearing it here could clear the new one the browser has just been given.
      const ref = currentSessionRef(ctx, options.names);
      clearSessionCookie(ctx, options.names);
      await ended(ctx, ref);
    }
    await next();
  };
  return { load, guard };
}

/** Saves this request's session only if it still exists; resolves false when it has ended. */
async function touch(ctx: Koa.Context): Promise<boolean> {
  const outcome = { alive: true };
  stateOf(ctx)[TOUCH] = outcome;
  try {
    await (ctx.session as unknown as { manuallyCommit(): Promise<void> }).manuallyCommit();
  } finally {
    delete stateOf(ctx)[TOUCH];
  }
  return outcome.alive;
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

/** The ref of the stored session this request carries, if any (the one a sign-in replaces). */
export function storedSessionRef(ctx: Koa.Context): string | null {
  const session = ctx.session as { isNew?: boolean; externalKey?: string } | null;
  if (!session || session.isNew || !session.externalKey) return null;
  return sessionRef(session.externalKey);
}

/** Who a sign-in signs in, and for how long (see SessionFields). */
export interface SignInFields {
  accountId: string;
  remember: boolean;
}

/**
 * The fields of a session signed in at `now` by this request: signing in is also an
 * authentication. The browser and IP are this request's (the form post, or the handoff's).
 */
function signedInFields(ctx: Koa.Context, who: SignInFields, now: number): SessionFields {
  return {
    accountId: who.accountId,
    signedInAt: now,
    authAt: now,
    seenAt: now,
    remember: who.remember,
    // From the pooled CSPRNG, like the session id: a randomBytes call per sign-in costs a job.
    handle: randomBytesFast(16).toString('base64url'),
    device: describeDevice(ctx.get('user-agent')),
    ip: ctx.ip,
  };
}

/**
 * Signs `who` in: replaces whatever session the browser had with a new one under a
 * new id (so a session id planted before sign-in is worthless after it), written once.
 * Resolves with the ref of the session it replaced, if any, so its sockets can be told.
 */
export async function signIn(
  ctx: Koa.Context,
  who: SignInFields,
  now: number,
  timeouts: SessionTimeouts,
): Promise<string | null> {
  const replaced = storedSessionRef(ctx);
  // koa-session marks a session `isNew` when the store had none for this request (no cookie,
  // or an unknown or expired id); its id was then drawn by `genid` in this very request and
  // has never left the server, so no one can have planted it. Saving under it is as safe
  // as regenerating, without deleting a row that was never written.
  const fresh = (ctx.session as { isNew?: boolean } | null)?.isNew === true;
  ctx.session = signedInFields(ctx, who, now) as Record<string, unknown>;
  setCookieLifetime(ctx, timeouts);
  const session = ctx.session as unknown as { regenerate(): Promise<void>; save(): Promise<void> };
  // regenerate: destroys the old id in the store, draws a new id, saves, sets the cookie;
  // the destroy is deferred until the save has written the new session (DEFERRED_DESTROY).
  stateOf(ctx)[DEFERRED_DESTROY] = null;
  try {
    await (fresh ? session.save() : session.regenerate());
  } finally {
    delete stateOf(ctx)[DEFERRED_DESTROY];
  }
  return replaced;
}

/** A session written by a store step of its caller's own, then adopted (adoptSession). */
export interface SessionDraft {
  /** The id the cookie will carry; never stored, never logged. */
  id: string;
  /** What to write, under the id's ref. */
  write: SessionWrite;
  /** The ref of the stored session it replaces, for the same step to remove, if any. */
  replaces: string | null;
  /** Whether `id` is the one koa-session drew for this request (see signIn): no regenerate. */
  fresh: boolean;
}

/** Drafts the session that signs `who` in on this request, for the caller to write. */
export function draftSession(
  ctx: Koa.Context,
  who: SignInFields,
  now: number,
  timeouts: SessionTimeouts,
): SessionDraft {
  const current = ctx.session as { isNew?: boolean; externalKey?: string } | null;
  // As in signIn: a new session's id was drawn by genid in this very request and has never
  // left the server, so it can be used as it is, sparing koa-session a regenerate.
  const drawn = current?.isNew === true ? current.externalKey : undefined;
  const id = drawn ?? newSessionId(now);
  const fields = signedInFields(ctx, who, now);
  const data = fields as Record<string, unknown>;
  return {
    id,
    write: { key: sessionRef(id), data, ttlMs: limitsOf(fields, timeouts).absoluteMs },
    replaces: storedSessionRef(ctx),
    fresh: drawn !== undefined,
  };
}

/**
 * Makes a drafted session this request's session, once the caller has written it (and
 * removed the one it replaces): koa-session saves it under the draft's id (regenerating
 * first when the browser had a session) and sets the cookie, and the store adapter writes
 * and destroys nothing for it.
 */
export async function adoptSession(
  ctx: Koa.Context,
  draft: SessionDraft,
  timeouts: SessionTimeouts,
): Promise<void> {
  stateOf(ctx)[ADOPTED] = draft.id;
  ctx.session = { ...draft.write.data };
  setCookieLifetime(ctx, timeouts);
  const session = ctx.session as unknown as { regenerate(): Promise<void>; save(): Promise<void> };
  await (draft.fresh ? session.save() : session.regenerate());
}

/**
 * Records that the person proved who they are again (a password confirmation): the
 * session's time of last authentication moves to `now`, under the same id. The write is a
 * touch, so a session that ended meanwhile (signed out or revoked elsewhere) is never
 * brought back: resolves false then, having changed nothing.
 */
export async function confirmSession(
  ctx: Koa.Context,
  now: number,
  timeouts: SessionTimeouts,
): Promise<boolean> {
  const fields = ctx.session as SessionFields | null;
  if (!fields?.accountId) return false;
  fields.authAt = now;
  fields.seenAt = now;
  setCookieLifetime(ctx, timeouts);
  return touch(ctx);
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
  now: () => number = Date.now,
): Promise<{ ref: string; accountId: string; deadline: number } | null> {
  // The upgrade has no response object; koa-session reads cookies only, and with
  // autoCommit off it writes nothing, so a detached ServerResponse is enough.
  const ctx = app.createContext(req, new ServerResponse(req));
  await load(ctx, async () => {});
  const fields = ctx.session as SessionFields | null;
  const ref = currentSessionRef(ctx, names);
  if (!fields?.accountId || !ref) return null;
  const deadline = sessionDeadline(fields, timeouts);
  return deadline > now() ? { ref, accountId: fields.accountId, deadline } : null;
}
