/**
 * The one storage interface every part of Baton talks to. SQLite (the default) and Redis
 * implement it and pass the same suite of tests (test/server/store/). Every method is async
 * so that a networked store fits behind it unchanged.
 */

export interface Account {
  id: string;
  /** Normalized (shared/forms.ts normalizeEmail): NFKC, trimmed and lower-cased. */
  email: string;
  passwordHash: string;
  createdAt: number;
  /**
   * Moves on whenever the account's credentials change (a password change): a handoff
   * sealed under an older version no longer redeems (see `HandoffLedger.redeem`), and no
   * emailed token issued under an older version is accepted (`TokenStore`).
   */
  credentialVersion: number;
}

/** Session data as koa-session hands it over: a JSON-serializable object. */
export type SessionData = Record<string, unknown>;

export interface AccountStore {
  /**
   * Creates an account; returns null when the email is already taken (atomically). Both this
   * and `findByEmail` normalize the email themselves, so no caller can file or find an
   * account under a look-alike spelling.
   */
  create(email: string, passwordHash: string): Promise<Account | null>;
  findByEmail(email: string): Promise<Account | null>;
  findById(id: string): Promise<Account | null>;
  /**
   * Replaces the stored hash of the same password, e.g. after raising the scrypt
   * parameters. The credential version stays: the password is still the one it was.
   */
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /**
   * Sets a new password: replaces the hash and moves the credential version on, in one
   * step. Resolves with the new version, or null when the account does not exist.
   */
  changePassword(id: string, passwordHash: string): Promise<number | null>;
}

export interface SessionStore {
  /** Returns the data, or null when absent or expired. */
  get(key: string): Promise<SessionData | null>;
  /** Stores the data until `Date.now() + ttlMs`. */
  set(key: string, data: SessionData, ttlMs: number): Promise<void>;
  /**
   * Rewrites the data and ttl of a session that still exists (e.g. to note activity) and
   * resolves true; resolves false, writing nothing, when it has been destroyed or has
   * expired. Unlike `set` it never brings a session back, nor files it under its account
   * again, so a touch racing a sign-out on another instance cannot undo the sign-out.
   */
  touch(key: string, data: SessionData, ttlMs: number): Promise<boolean>;
  destroy(key: string): Promise<void>;
  /**
   * Destroys every session signed in to `accountId` (its data's `accountId`) except the one
   * under `keep`, and returns their keys, e.g. to close their sockets. After a password
   * change, no session signed in with the old password outlives it.
   */
  destroyForAccount(accountId: string, keep: string | null): Promise<string[]>;
}

/** A session to write: `SessionStore.set`'s arguments. */
export interface SessionWrite {
  key: string;
  data: SessionData;
  ttlMs: number;
}

/**
 * How a redeem ended: `redeemed` (all of it happened), `used` (the id was consumed before,
 * or has expired) or `stale` (the account is gone, or its credentials changed since the
 * handoff was sealed). Only `redeemed` changed anything.
 */
export type RedeemResult = 'redeemed' | 'used' | 'stale';

/** The account state a handoff was sealed under, checked in the redeem's own step. */
export interface SealedCredentials {
  accountId: string;
  credentialVersion: number;
}

export interface HandoffLedger {
  /**
   * Records a handoff id as redeemed. Resolves true for exactly one caller per id, however
   * many race, and false for every other; the record is kept until `expiresAt` (ms epoch),
   * after which the handoff could not be opened anyway.
   */
  consume(id: string, expiresAt: number): Promise<boolean>;
  /**
   * Consumes `id` as `consume` does, writes `session` and destroys the session under
   * `replaces` (the one a signed-in browser had), in one atomic step: all of it happens, for
   * exactly one caller per id, or none of it does (false when the id was already used or
   * has expired). So a redeem cut short, by a store that fails mid-way, leaves the handoff
   * good for another try and the browser's old session as it was.
   *
   * With `sealed`, the same step first checks that the account still exists at that
   * credential version, and changes nothing (`stale`) otherwise: a password change or an
   * account deletion that lands before it is never undone by a handoff sealed before it.
   */
  redeem(
    id: string,
    expiresAt: number,
    session: SessionWrite,
    replaces?: string | null,
    sealed?: SealedCredentials,
  ): Promise<RedeemResult>;
}

/** What an emailed token lets its holder do; a token serves only its own purpose. */
export type TokenPurpose = 'reset-password' | 'login-link' | 'confirm-email' | 'change-email';

/**
 * A token sent by email, as the store keeps it: never the token itself, only its SHA-256
 * (server/tokens/tokens.ts), so a copy of the store redeems nothing.
 */
export interface TokenRecord {
  /** SHA-256 of the token text, base64url. */
  hash: string;
  purpose: TokenPurpose;
  accountId: string;
  /** The address the token was sent to (for `change-email`, the new address). */
  email: string;
  /**
   * The account's credential version when the token was issued: once it moves on (a password
   * change, or an email change, which must move it on too), the token is dead.
   */
  credentialVersion: number;
  /** ms since the epoch, by the store's clock. */
  expiresAt: number;
}

/**
 * A token looked up: `unknown` (never issued, already used, or issued for another purpose),
 * `expired`, or `stale` (the account is gone or its credential version has moved on).
 */
export type TokenCheck =
  | { ok: true; token: TokenRecord }
  | { ok: false; reason: 'unknown' | 'expired' | 'stale' };

export interface TokenStore {
  /** Stores a token until its expiry. */
  put(token: TokenRecord): Promise<void>;
  /** Looks a token up without using it (to show the page a link opens); writes nothing. */
  check(hash: string, purpose: TokenPurpose): Promise<TokenCheck>;
  /**
   * Uses a token: one atomic step checks it as `check` does and deletes it, so it resolves
   * `ok` for exactly one caller however many race, on every instance. A dead token (expired,
   * stale) is deleted too. A token of another purpose is left as it is (`unknown`).
   */
  consume(hash: string, purpose: TokenPurpose): Promise<TokenCheck>;
}

/**
 * An email kept by the `mailbox:` transport (MAIL_URL), shown at /dev/mailbox. It holds
 * working links in clear: development only, never served in production.
 */
export interface MailboxEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** ms since the epoch. */
  sentAt: number;
}

/** How many emails the mailbox keeps; adding one more drops the oldest. */
export const MAILBOX_LIMIT = 500;

export interface MailboxStore {
  add(email: MailboxEmail): Promise<void>;
  /** Every email kept (at most `MAILBOX_LIMIT`), newest first. */
  list(): Promise<MailboxEmail[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly handoffs: HandoffLedger;
  readonly tokens: TokenStore;
  readonly mailbox: MailboxStore;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
