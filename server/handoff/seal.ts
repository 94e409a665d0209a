/**
 * Sealing and opening handoffs: the opaque token a live socket gives the browser, which the
 * browser POSTs to `/handoff` to be signed in. The claims are encrypted and authenticated
 * (see ../keys/sealed-box.ts); the browser can neither read nor forge them.
 */
import { hash } from 'node:crypto';
import * as v from 'valibot';
import type { PagePath } from '../../shared/page.ts';
import { checkDestination, isPagePath, type SessionChange } from '../accounts/outcome.ts';
import type { KeyRing } from '../keys/keyring.ts';
import { randomBytesFast } from '../keys/random.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';
import { FlashList } from '../session/flash.ts';

/** A page path from Baton's own list (accounts/outcome.ts); never `//host` nor a URL. */
const Destination = v.custom<PagePath>(isPagePath, "must be one of Baton's own page paths");

const CredentialVersion = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * The session change a handoff carries (accounts/outcome.ts SessionChange), with what
 * redeeming it must check: the credential version for those that grant something, and the
 * session it applies to (its ref, as the socket knew it) for those that change one.
 */
export const SealedChange = v.variant('kind', [
  v.strictObject({
    kind: v.literal('sign-in'),
    accountId: v.string(),
    credentialVersion: CredentialVersion,
    remember: v.boolean(),
    /**
     * Sealed on a signed-in socket (a password change): that session's ref. It must still
     * exist when the handoff is redeemed, so a session signed out from the sessions page
     * cannot sign itself back in with a handoff it was given just before. Absent when the
     * socket had no session (and in handoffs sealed before this field existed).
     */
    session: v.optional(v.string()),
    /** A sign-up's: its browser is filed as known, without a new-device email. */
    signUp: v.optional(v.literal(true)),
  }),
  v.strictObject({
    kind: v.literal('confirm'),
    accountId: v.string(),
    credentialVersion: CredentialVersion,
    /** The session whose time of last authentication moves: the socket's own. */
    sessionRef: v.string(),
  }),
  v.strictObject({
    kind: v.literal('sign-out'),
    /** The session that ends: the socket's own (null if it had none). */
    sessionRef: v.nullable(v.string()),
  }),
  v.strictObject({ kind: v.literal('none') }),
  v.strictObject({
    kind: v.literal('second-factor'),
    accountId: v.string(),
    credentialVersion: CredentialVersion,
    remember: v.boolean(),
  }),
]);
export type SealedChange = v.InferOutput<typeof SealedChange>;

/**
 * What a socket seals for an accepted form's change: the change itself, and for `confirm`,
 * `sign-out` and a `sign-in` from a signed-in socket the socket's session, so that redeeming changes that session and no other.
 * Throws when a `confirm` comes from a socket without a session (a handler bug: confirming
 * needs a signed-in person).
 */
export function sealedChange(change: SessionChange, sessionRef: string | null): SealedChange {
  switch (change.kind) {
    case 'sign-in':
      return {
        kind: 'sign-in',
        accountId: change.accountId,
        credentialVersion: change.credentialVersion,
        remember: change.remember,
        ...(sessionRef !== null && { session: sessionRef }),
        ...(change.signUp && { signUp: true }),
      };
    case 'confirm':
      if (sessionRef === null) throw new Error('A confirm outcome needs a signed-in session');
      return {
        kind: 'confirm',
        accountId: change.accountId,
        credentialVersion: change.credentialVersion,
        sessionRef,
      };
    case 'sign-out':
      return { kind: 'sign-out', sessionRef };
    case 'none':
      return { kind: 'none' };
    case 'second-factor':
      return {
        kind: 'second-factor',
        accountId: change.accountId,
        credentialVersion: change.credentialVersion,
        remember: change.remember,
      };
  }
}

/** The claims inside a sealed handoff. Times are milliseconds since the epoch. */
export const HandoffClaims = v.strictObject({
  /** Random id, consumed in the ledger at redemption so the handoff works once. */
  id: v.string(),
  iat: v.number(),
  exp: v.number(),
  /** SHA-256 (base64url) of the binding cookie of the browser that opened the socket. */
  bind: v.string(),
  /** Page to redirect to once redeemed; always one of Baton's own pages, chosen by the server. */
  dest: Destination,
  /** What redeeming does to the browser's session. */
  change: SealedChange,
  flash: FlashList,
});
export type HandoffClaims = v.InferOutput<typeof HandoffClaims>;

export type HandoffOpenError =
  | 'handoff.malformed'
  | 'handoff.tampered'
  | 'handoff.unknown-key'
  | 'handoff.wrong-purpose'
  | 'handoff.expired';

export type OpenHandoffResult =
  | { ok: true; claims: HandoffClaims }
  | { ok: false; code: HandoffOpenError };

/** Hashes a binding cookie value the way handoffs carry it. */
export function hashBinding(binding: string): string {
  // The one-shot hash: a third of the time of createHash for a value this short.
  return hash('sha256', binding, 'base64url');
}

export interface SealHandoffInput {
  /** The raw binding cookie of the browser that opened the socket. */
  binding: string;
  destination: PagePath;
  change: SealedChange;
  flash: HandoffClaims['flash'];
}

/**
 * A handoff's id: the time it was sealed (ms, 12 hex digits) then 96 random bits. Unique
 * by the random part alone; the time in front makes ids sort in the order they are issued,
 * so the SQLite ledger (keyed by id) inserts each redeemed id near the end of its b-tree,
 * in pages the last commits already touched, instead of dirtying a random page each
 * (bench/lib/ledger-experiment.ts measures both). Hex, because it sorts as bytes the way the
 * numbers do. The id
 * travels only inside the sealed handoff, so the time in it tells no one anything the
 * handoff's own `iat` does not.
 */
function handoffId(now: number): string {
  return now.toString(16).padStart(12, '0') + randomBytesFast(12).toString('base64url');
}

/**
 * Seals a handoff valid for `ttlSeconds`.
 * @example
 * const change = { kind: 'sign-in', accountId, credentialVersion: 0, remember: false } as const;
 * const token = sealHandoff(ring, { binding, destination: '/account', change, flash: [] }, { ttlSeconds: 60 });
 */
export function sealHandoff(
  ring: KeyRing,
  input: SealHandoffInput,
  options: { ttlSeconds: number; now?: number },
): string {
  // Checked at sealing too: a destination that is not one of Baton's pages is a server bug
  // and must never leave it (DestinationError says which value), and a flash or change that
  // opening would refuse should fail here, plainly. Opening checks all of it again.
  checkDestination(input.destination);
  v.parse(FlashList, input.flash);
  v.parse(SealedChange, input.change);
  const now = options.now ?? Date.now();
  const claims: HandoffClaims = {
    id: handoffId(now),
    iat: now,
    exp: now + options.ttlSeconds * 1000,
    bind: hashBinding(input.binding),
    dest: input.destination,
    change: input.change,
    flash: input.flash,
  };
  return sealBox(ring, 'handoff', Buffer.from(JSON.stringify(claims), 'utf8'));
}

/** Opens a handoff. Never throws; each refusal carries a stable code. */
export function openHandoff(
  ring: KeyRing,
  token: string,
  now: number = Date.now(),
): OpenHandoffResult {
  const box = openBox(ring, 'handoff', token);
  if (!box.ok) return { ok: false, code: `handoff.${box.reason}` };
  let json: unknown;
  try {
    json = JSON.parse(box.plaintext.toString('utf8'));
  } catch {
    return { ok: false, code: 'handoff.malformed' };
  }
  const parsed = v.safeParse(HandoffClaims, json);
  if (!parsed.success) return { ok: false, code: 'handoff.malformed' };
  if (now >= parsed.output.exp) return { ok: false, code: 'handoff.expired' };
  return { ok: true, claims: parsed.output };
}
