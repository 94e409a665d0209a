/**
 * Redeeming a handoff: the Koa middleware behind `POST /handoff`. It turns the sealed token
 * a live socket handed out into a real, HttpOnly session, exactly once, on any instance.
 *
 * Order matters: open (no I/O), check the binding (no I/O), and only then consume the id in
 * the shared ledger, so a stolen copy posted from another browser cannot burn the real one.
 *
 * The store step is here, in one call (`HandoffLedger.redeem`): it checks that the account
 * still exists at the credential version the handoff was sealed under, consumes the id,
 * writes the new session under a freshly drawn id and drops the session it replaces, all
 * or nothing. Only then is koa-session handed the new id (adoptSession), to set the cookie.
 * So a refusal, or a store that fails part-way, leaves the handoff unused, the browser's
 * session and cookie as they were, and the person can simply try again.
 *
 * That is the `sign-in` change. The others (accounts/outcome.ts) consume the id first and
 * then change the session the socket had, and no other: `confirm` moves its time of last
 * authentication with a touch that never brings back a session ended meanwhile (and checks
 * the credential version, as a sign-in does); `sign-out` ends it and closes its sockets;
 * `none` only shows the flash. A sign-out or a none grants nothing, so neither is refused
 * for a password change or a deletion since: refusing a sign-out would leave the person
 * signed in. `second-factor` consumes the id and leaves this browser a sealed sign-in waiting
 * for its authentication code (session/pending-sign-in.ts); no session is made.
 */
import type Koa from 'koa';
import type { Flash, ReturnPath } from '../../shared/page.ts';
import { seeOther } from '../http/see-other.ts';
import { sendUnavailable } from '../http/unavailable.ts';
import type { KeyRing } from '../keys/keyring.ts';
import type { Logger } from '../logger.ts';
import { type BindingCookie, bindingMatches } from '../session/binding.ts';
import type { CookieNames } from '../session/cookies.ts';
import { announceSignIn, type SessionEvents } from '../session/events.ts';
import type { FlashCookie } from '../session/flash.ts';
import type { NewDeviceNotices } from '../session/new-device.ts';
import type { PendingSignIns } from '../session/pending-sign-in.ts';
import type { ReturnTo } from '../session/return-to.ts';
import {
  adoptSession,
  confirmSession,
  currentSessionRef,
  draftSession,
  type SessionTimeouts,
  signOut,
} from '../session/session.ts';
import type { AccountStore, HandoffLedger, SessionStore } from '../store/store.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import {
  type HandoffClaims,
  type HandoffOpenError,
  openHandoff,
  type SealedChange,
} from './seal.ts';

export type RedeemError =
  | HandoffOpenError
  | 'handoff.missing'
  | 'handoff.wrong-browser'
  | 'handoff.used'
  | 'handoff.stale'
  | 'handoff.session-ended';

/** Plain words for each refusal, shown to the person on the login page. */
export const REDEEM_MESSAGES: Readonly<Record<RedeemError, string>> = {
  'handoff.missing': 'That sign-in link was incomplete. Please log in again.',
  'handoff.malformed': 'That sign-in link was damaged. Please log in again.',
  'handoff.tampered': 'That sign-in link was damaged. Please log in again.',
  'handoff.wrong-purpose': 'That sign-in link was damaged. Please log in again.',
  'handoff.unknown-key': 'That sign-in link is no longer valid. Please log in again.',
  'handoff.expired': 'That sign-in took too long and expired. Please log in again.',
  'handoff.wrong-browser': 'That sign-in was started in another browser. Please log in here.',
  'handoff.used': 'That sign-in was already used. Please log in again.',
  'handoff.stale':
    'That sign-in was started before your password or account changed. Please log in again.',
  'handoff.session-ended':
    'That was started in a session that has since ended. Please log in again.',
};

export interface RedeemOptions {
  ring: KeyRing;
  /** Where the handoff is consumed and its session written, in one step. */
  ledger: HandoffLedger;
  /** Sessions a confirm or a sign-out changes. */
  sessions: SessionStore;
  /** Where a confirm checks the credential version it was sealed under. */
  accounts: AccountStore;
  names: CookieNames;
  /** The page a sign-in or a confirm returns to, when one is waiting. */
  returnTo: ReturnTo;
  /** How long the new session lasts (its stored lifetime is the absolute timeout). */
  timeouts: SessionTimeouts;
  binding: BindingCookie;
  flash: FlashCookie;
  /** Where a sign-in is announced to the browser's other tabs. */
  events: SessionEvents;
  /** Where a sign-in waiting for its authentication code is kept. */
  pendingSignIns: PendingSignIns;
  /** Told of every sign-in, after the response, to email the account about a new browser. */
  newDevices: NewDeviceNotices;
  logger: Logger;
  now?: () => number;
}

/**
 * Middleware for `POST /handoff` (form field `handoff`). Expects the body parsed.
 * Success: the sealed session change made, flash set, 303 to the sealed destination (after
 * a sign-in or a confirm, to the page waiting to be returned to, if any). Any failure: no
 * session change, 303 to `/login` with a flash saying what went wrong.
 */
export function redeemHandoff(options: RedeemOptions): Koa.Middleware {
  const now = options.now ?? Date.now;
  return async (ctx) => {
    // The response carries a fresh session cookie and must not be cached; the page it came
    // from held the handoff, so no Referer leaves it either.
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    const token = (ctx.request as { body?: Record<string, unknown> }).body?.handoff;
    const handoff = typeof token === 'string' ? token : null;
    let outcome: Awaited<ReturnType<typeof redeem>>;
    try {
      outcome = await redeem(options, ctx, handoff, now());
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      // Fail closed. A sign-in consumed and wrote nothing, so the same handoff can be
      // retried; the other changes may have consumed it, and the person starts again.
      options.logger.warn(
        { code: error.code, err: error },
        'handoff not redeemed: store unavailable',
      );
      sendUnavailable(ctx, handoff);
      return;
    }
    if (outcome.ok) {
      seeOther(ctx, outcome.destination);
      return;
    }
    options.logger.info({ code: outcome.code }, 'handoff refused');
    options.flash.set(ctx, [
      { kind: 'error', text: REDEEM_MESSAGES[outcome.code] } satisfies Flash,
    ]);
    seeOther(ctx, '/login');
  };
}

type Redeemed = { ok: true; destination: ReturnPath } | { ok: false; code: RedeemError };

async function redeem(
  options: RedeemOptions,
  ctx: Koa.Context,
  token: string | null,
  now: number,
): Promise<Redeemed> {
  if (!token) return { ok: false, code: 'handoff.missing' };
  const opened = openHandoff(options.ring, token, now);
  if (!opened.ok) return opened;
  const { claims } = opened;
  if (!bindingMatches(options.binding.read(ctx), claims.bind))
    return { ok: false, code: 'handoff.wrong-browser' };
  const { change } = claims;
  const applied = await apply(options, ctx, claims, change, now);
  if (!applied.ok) return applied;
  options.flash.set(ctx, claims.flash);
  return { ok: true, destination: applied.destination };
}

/** Applies the sealed change; the handoff is consumed in the same step or just before. */
function apply(
  options: RedeemOptions,
  ctx: Koa.Context,
  claims: HandoffClaims,
  change: SealedChange,
  now: number,
): Promise<Redeemed> {
  switch (change.kind) {
    case 'sign-in':
      return signIn(options, ctx, claims, change, now);
    case 'confirm':
      return confirm(options, ctx, claims, change, now);
    case 'sign-out':
      return signOutHere(options, ctx, claims, change);
    case 'none':
      return consumeOnly(options, claims);
    case 'second-factor':
      return awaitCode(options, ctx, claims, change, now);
  }
}

async function signIn(
  options: RedeemOptions,
  ctx: Koa.Context,
  claims: HandoffClaims,
  change: Extract<SealedChange, { kind: 'sign-in' }>,
  now: number,
): Promise<Redeemed> {
  const { accountId, credentialVersion, remember } = change;
  // Sealed in a session that has ended since (signed out from the sessions page, say): that
  // session's handoffs die with it. Checked before the step: an end racing the redeem
  // itself may land on either side, as it would a moment earlier or later.
  if (change.session !== undefined && (await options.sessions.get(change.session)) === null)
    return { ok: false, code: 'handoff.session-ended' };
  const draft = draftSession(ctx, { accountId, remember }, now, options.timeouts);
  // The one store step: credentials still current, id unused, new session written, the
  // replaced one gone; or nothing at all.
  const result = await options.ledger.redeem(claims.id, claims.exp, draft.write, draft.replaces, {
    accountId,
    credentialVersion,
  });
  if (result === 'used') return { ok: false, code: 'handoff.used' };
  if (result === 'stale') return { ok: false, code: 'handoff.stale' };
  await adoptSession(ctx, draft, options.timeouts);
  options.pendingSignIns.clear(ctx);
  // The handoff carries the binding's hash, which is what the other tabs' sockets are filed by.
  const signedIn = { binding: claims.bind, replaced: draft.replaces, accountId };
  announceSignIn(options.events, signedIn, options.logger, ctx.res);
  options.newDevices.signedIn(
    {
      accountId,
      binding: claims.bind,
      userAgent: ctx.get('user-agent'),
      ip: ctx.ip,
      at: now,
      signUp: change.signUp === true,
    },
    ctx.res,
  );
  return { ok: true, destination: options.returnTo.take(ctx, now) ?? claims.dest };
}

/**
 * A password confirmation: only for the session it was sealed in (the browser still holds
 * it), only while the account is at the sealed credential version, once.
 */
async function confirm(
  options: RedeemOptions,
  ctx: Koa.Context,
  claims: HandoffClaims,
  change: Extract<SealedChange, { kind: 'confirm' }>,
  now: number,
): Promise<Redeemed> {
  if (currentSessionRef(ctx, options.names) !== change.sessionRef)
    return { ok: false, code: 'handoff.session-ended' };
  const account = await options.accounts.findById(change.accountId);
  if (account?.credentialVersion !== change.credentialVersion)
    return { ok: false, code: 'handoff.stale' };
  if (!(await options.ledger.consume(claims.id, claims.exp)))
    return { ok: false, code: 'handoff.used' };
  // A touch: a session revoked since the check above (by a password change, a deletion or
  // a sign-out elsewhere) is gone, and stays gone.
  if (!(await confirmSession(ctx, now, options.timeouts)))
    return { ok: false, code: 'handoff.session-ended' };
  return { ok: true, destination: options.returnTo.take(ctx, now) ?? claims.dest };
}

/** Ends the session the socket had; the browser's cookie goes too when it still names it. */
async function signOutHere(
  options: RedeemOptions,
  ctx: Koa.Context,
  claims: HandoffClaims,
  change: Extract<SealedChange, { kind: 'sign-out' }>,
): Promise<Redeemed> {
  if (!(await options.ledger.consume(claims.id, claims.exp)))
    return { ok: false, code: 'handoff.used' };
  const ref = change.sessionRef;
  if (ref !== null && currentSessionRef(ctx, options.names) === ref) {
    await signOut(ctx, options.sessions, options.names);
  } else if (ref !== null) {
    // The browser has moved on to another session since (signed in again in another tab):
    // that one stays, the one the form was sent from ends.
    await options.sessions.destroy(ref);
  }
  options.returnTo.clear(ctx);
  if (ref !== null) await options.events.publish({ type: 'ended', ref, reason: 'signed-out' });
  return { ok: true, destination: claims.dest };
}

async function consumeOnly(options: RedeemOptions, claims: HandoffClaims): Promise<Redeemed> {
  if (!(await options.ledger.consume(claims.id, claims.exp)))
    return { ok: false, code: 'handoff.used' };
  return { ok: true, destination: claims.dest };
}

/**
 * The password was right and the account asks for a code: once, this browser (the one the
 * handoff is bound to, checked above) is left the sign-in waiting for it. Granting nothing
 * yet, it is not checked against the credential version here; completing it is.
 */
async function awaitCode(
  options: RedeemOptions,
  ctx: Koa.Context,
  claims: HandoffClaims,
  change: Extract<SealedChange, { kind: 'second-factor' }>,
  now: number,
): Promise<Redeemed> {
  if (!(await options.ledger.consume(claims.id, claims.exp)))
    return { ok: false, code: 'handoff.used' };
  const { accountId, credentialVersion, remember } = change;
  options.pendingSignIns.set(ctx, { accountId, credentialVersion, remember }, claims.bind, now);
  return { ok: true, destination: claims.dest };
}
