/**
 * Time-based one-time codes (RFC 6238) with otpauth, in the one shape every authenticator
 * app supports: HMAC-SHA-1, 6 digits, a new code every 30 seconds. A code is accepted one
 * step either side of the current one, for clocks that drift and people who type slowly;
 * which step it matched is returned, so the caller can refuse a step already used.
 */
import { Secret, TOTP } from 'otpauth';

export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 key length RFC 4226 recommends. */
const SECRET_BYTES = 20;

/** A new random secret, base32-encoded (what people type when they cannot scan). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/**
 * The `otpauth://totp/...` URI an authenticator app reads from the QR code: the issuer and
 * the account's email name the entry in the app.
 *
 * @example
 * totpUri({ secret, issuer: 'Baton', email: 'ada@example.com' });
 * // otpauth://totp/Baton:ada%40example.com?issuer=Baton&secret=...&algorithm=SHA1&digits=6&period=30
 */
export function totpUri(options: { secret: string; issuer: string; email: string }): string {
  return totp(options.secret, options.issuer, options.email).toString();
}

/** The time step `now` (ms epoch) falls in. */
export function totpStep(now: number): number {
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: now });
}

/** Six digits, with any spaces a person typed (apps show "123 456") taken out; else null. */
export function normalizeTotpCode(input: string): string | null {
  const code = input.replace(/\s/g, '');
  return code.length === TOTP_DIGITS && /^[0-9]+$/.test(code) ? code : null;
}

/**
 * The time step whose code `code` is, within the window around `now`, or null when it is
 * none of them. otpauth compares in constant time.
 */
export function matchTotp(secret: string, code: string, now: number): number | null {
  const normalized = normalizeTotpCode(code);
  if (normalized === null) return null;
  const delta = totp(secret, '', '').validate({
    token: normalized,
    timestamp: now,
    window: TOTP_WINDOW,
  });
  return delta === null ? null : totpStep(now) + delta;
}

function totp(secret: string, issuer: string, label: string): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}
