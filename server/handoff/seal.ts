/**
 * Sealing and opening handoffs: the opaque token a live socket gives the browser, which the
 * browser POSTs to `/handoff` to be signed in. The claims are encrypted and authenticated
 * (see ../keys/sealed-box.ts); the browser can neither read nor forge them.
 */
import { hash } from 'node:crypto';
import * as v from 'valibot';
import type { KeyRing } from '../keys/keyring.ts';
import { randomBytesFast } from '../keys/random.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';
import { FlashList } from '../session/flash.ts';

const Destination = v.pipe(
  v.string(),
  v.startsWith('/'),
  v.check((s) => !s.startsWith('//'), 'must be a path'),
);

/** The claims inside a sealed handoff. Times are milliseconds since the epoch. */
export const HandoffClaims = v.strictObject({
  /** Random id, consumed in the ledger at redemption so the handoff works once. */
  id: v.string(),
  iat: v.number(),
  exp: v.number(),
  /** SHA-256 (base64url) of the binding cookie of the browser that opened the socket. */
  bind: v.string(),
  /** Path to redirect to once redeemed; always a same-origin path chosen by the server. */
  dest: Destination,
  /**
   * The session to write, and the account's credential version when the form was accepted:
   * a password change or an account deletion since then refuses the handoff.
   */
  session: v.strictObject({
    accountId: v.string(),
    credentialVersion: v.pipe(v.number(), v.integer(), v.minValue(0)),
  }),
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
  destination: HandoffClaims['dest'];
  session: HandoffClaims['session'];
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
 * const token = sealHandoff(ring, { binding, destination: '/account', session: { accountId, credentialVersion: 0 }, flash: [] }, { ttlSeconds: 60 });
 */
export function sealHandoff(
  ring: KeyRing,
  input: SealHandoffInput,
  options: { ttlSeconds: number; now?: number },
): string {
  // Checked at sealing too: a bad destination is a server bug and must never leave it, and a
  // flash opening would refuse should fail here, plainly. The rest is built here from typed
  // values (the session field by field); opening checks all of it.
  v.parse(Destination, input.destination);
  v.parse(FlashList, input.flash);
  const now = options.now ?? Date.now();
  const claims: HandoffClaims = {
    id: handoffId(now),
    iat: now,
    exp: now + options.ttlSeconds * 1000,
    bind: hashBinding(input.binding),
    dest: input.destination,
    session: {
      accountId: input.session.accountId,
      credentialVersion: input.session.credentialVersion,
    },
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
