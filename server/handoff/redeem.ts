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
 */
import type Koa from 'koa';
import type { Flash } from '../../shared/page.ts';
import { seeOther } from '../http/see-other.ts';
import { sendUnavailable } from '../http/unavailable.ts';
import type { KeyRing } from '../keys/keyring.ts';
import type { Logger } from '../logger.ts';
import { type BindingCookie, bindingMatches } from '../session/binding.ts';
import { announceSignIn, type SessionEvents } from '../session/events.ts';
import type { FlashCookie } from '../session/flash.ts';
import { adoptSession, draftSession, type SessionTimeouts } from '../session/session.ts';
import type { HandoffLedger } from '../store/store.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { type HandoffOpenError, openHandoff } from './seal.ts';

export type RedeemError =
  | HandoffOpenError
  | 'handoff.missing'
  | 'handoff.wrong-browser'
  | 'handoff.used'
  | 'handoff.stale';

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
};

export interface RedeemOptions {
  ring: KeyRing;
  /** Where the handoff is consumed and its session written, in one step. */
  ledger: HandoffLedger;
  /** How long the new session lasts (its stored lifetime is the absolute timeout). */
  timeouts: SessionTimeouts;
  binding: BindingCookie;
  flash: FlashCookie;
  /** Where a sign-in is announced to the browser's other tabs. */
  events: SessionEvents;
  logger: Logger;
  now?: () => number;
}

/**
 * Middleware for `POST /handoff` (form field `handoff`). Expects the body parsed.
 * Success: new session, flash set, 303 to the sealed destination. Any failure: no session
 * change, 303 to `/login` with a flash saying what went wrong.
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
      // Fail closed: nothing was consumed or written, so the same handoff can be retried.
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

async function redeem(
  options: RedeemOptions,
  ctx: Koa.Context,
  token: string | null,
  now: number,
): Promise<{ ok: true; destination: string } | { ok: false; code: RedeemError }> {
  if (!token) return { ok: false, code: 'handoff.missing' };
  const opened = openHandoff(options.ring, token, now);
  if (!opened.ok) return opened;
  const { claims } = opened;
  if (!bindingMatches(options.binding.read(ctx), claims.bind))
    return { ok: false, code: 'handoff.wrong-browser' };
  const { accountId, credentialVersion } = claims.session;
  const draft = draftSession(ctx, accountId, now, options.timeouts);
  // The one store step: credentials still current, id unused, new session written, the
  // replaced one gone; or nothing at all.
  const result = await options.ledger.redeem(claims.id, claims.exp, draft.write, draft.replaces, {
    accountId,
    credentialVersion,
  });
  if (result === 'used') return { ok: false, code: 'handoff.used' };
  if (result === 'stale') return { ok: false, code: 'handoff.stale' };
  await adoptSession(ctx, draft);
  options.flash.set(ctx, claims.flash);
  // The handoff carries the binding's hash, which is what the other tabs' sockets are filed by.
  const change = { binding: claims.bind, replaced: draft.replaces };
  announceSignIn(options.events, change, options.logger, ctx.res);
  return { ok: true, destination: claims.dest };
}
