/**
 * Tokens sent by email (reset a password, sign in by link, confirm an email, change it).
 * A token is 256 random bits in base64url; the store keeps only its SHA-256, with what it
 * is for, whose it is, where it was sent and when it expires. It is single use (the store
 * deletes it in the step that accepts it), and it dies when the account's credential
 * version moves on (a password change), so a link mailed before a password change never
 * works after it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Account, TokenCheck, TokenPurpose, TokenRecord, TokenStore } from '../store/store.ts';

/** Random bytes in a token: 256 bits, twice the floor the contract sets. */
const TOKEN_BYTES = 32;
/** What a token looks like: base64url of `TOKEN_BYTES` bytes, without padding. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * How long each kind of token lives. Reset and sign-in links are the contract's (60 and
 * 15 minutes); a confirmation may sit in an inbox for days, a change of email for a day.
 */
export const TOKEN_LIFETIMES_MS: Readonly<Record<TokenPurpose, number>> = Object.freeze({
  'reset-password': 60 * 60_000,
  'login-link': 15 * 60_000,
  'confirm-email': 7 * 24 * 60 * 60_000,
  'change-email': 24 * 60 * 60_000,
});

const UNKNOWN: TokenCheck = Object.freeze({ ok: false, reason: 'unknown' });

/** The SHA-256 of a token's text, base64url: what the store keeps and looks tokens up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export interface TokenRequest {
  purpose: TokenPurpose;
  /** The account the token acts on; its current credential version is written with it. */
  account: Pick<Account, 'id' | 'credentialVersion'>;
  /** Where the token is sent (for `change-email`, the new address). */
  email: string;
}

export interface IssuedToken {
  /** The text to put in the link. Never store or log it. */
  token: string;
  expiresAt: number;
}

/**
 * Draws a token and stores its hash. The caller mails the returned text and forgets it.
 *
 * @example
 * const { token } = await issueToken(store.tokens, { purpose: 'reset-password', account, email }, now);
 * mailer.send(resetEmail(account.email, `/reset-password/${token}`));
 */
export async function issueToken(
  tokens: TokenStore,
  request: TokenRequest,
  now: () => number = Date.now,
): Promise<IssuedToken> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const expiresAt = now() + TOKEN_LIFETIMES_MS[request.purpose];
  const record: TokenRecord = {
    hash: hashToken(token),
    purpose: request.purpose,
    accountId: request.account.id,
    email: request.email,
    credentialVersion: request.account.credentialVersion,
    expiresAt,
  };
  await tokens.put(record);
  return { token, expiresAt };
}

/**
 * Looks a token from a link up without using it (to show the page the link opens). Text
 * that cannot be a token is `unknown` without asking the store.
 */
export function checkToken(
  tokens: TokenStore,
  token: string,
  purpose: TokenPurpose,
): Promise<TokenCheck> {
  if (!TOKEN_SHAPE.test(token)) return Promise.resolve(UNKNOWN);
  return tokens.check(hashToken(token), purpose);
}

/**
 * Uses a token: `ok` for exactly one caller, on every instance; every later use, and any
 * use of an expired or stale token, is refused.
 */
export function consumeToken(
  tokens: TokenStore,
  token: string,
  purpose: TokenPurpose,
): Promise<TokenCheck> {
  if (!TOKEN_SHAPE.test(token)) return Promise.resolve(UNKNOWN);
  return tokens.consume(hashToken(token), purpose);
}
