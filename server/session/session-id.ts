/**
 * Session ids and their refs. The id is what the session cookie carries: the time it was
 * drawn (12 hex digits of ms since the epoch) and then 256 random bits. Its ref, the key the
 * store files the session under and the handle that is logged and published between
 * instances, is the same time followed by the SHA-256 of the id, so a copy of the store or
 * of the logs holds no usable id.
 *
 * Why the time comes first: the store's indexes are ordered by ref, and refs that begin with
 * the time are appended where the last sessions went instead of landing on a random page
 * each. In SQLite a random insert dirties a page of every index that no recent commit
 * touched, and at sign-in rates that dominates a redeem's write (bench/lib/ledger-experiment.ts
 * measures it; BENCHMARKS.md gives the figures). The time is not a secret: the browser holding
 * the cookie knows when it signed in, and the 256 random bits are what cannot be guessed.
 *
 * Ids drawn before this format (43 characters, random only) keep their plain-hash refs, so
 * the sessions they name stay valid across an upgrade.
 */
import { hash } from 'node:crypto';
import { randomBytesFast } from '../keys/random.ts';

const TIME_CHARS = 12;
const TIMED_ID = /^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/;

/** A new session id drawn at `now` (ms): 12 hex digits of time, then 43 base64url characters. */
export function newSessionId(now = Date.now()): string {
  return now.toString(16).padStart(TIME_CHARS, '0') + randomBytesFast(32).toString('base64url');
}

/**
 * The public handle of a session: safe to log, publish between instances and keep in
 * memory; it cannot be turned back into a cookie.
 */
export function sessionRef(id: string): string {
  const digest = hash('sha256', id, 'base64url');
  return TIMED_ID.test(id) ? id.slice(0, TIME_CHARS) + digest : digest;
}
