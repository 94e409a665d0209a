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
   * Moves on whenever the account's credentials change (a password or email change): a handoff
   * sealed under an older version no longer redeems (see `HandoffLedger.redeem`), and no
   * emailed token issued under an older version is accepted (`TokenStore`).
   */
  credentialVersion: number;
  /**
   * When the account's email was confirmed (ms epoch): a confirmation link or a sign-in link
   * sent to it was used. Null while it is not.
   */
  emailConfirmedAt: number | null;
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
  /**
   * Marks the account's email confirmed at `at`, only while the account's email is still
   * `email` (a link sent to an address the account no longer has confirms nothing), in one
   * step. The first confirmation's time is kept: a later one changes nothing, so any number
   * racing leave one value. Resolves true when the account has that email (confirmed now or
   * before), false when there is no such account or its email is another.
   */
  confirmEmail(id: string, email: string, at: number): Promise<boolean>;
  /**
   * Deletes the account and everything kept for it, in one step: its sessions, emailed
   * tokens, two-factor state and recovery codes, passkeys, known browsers, the dev
   * mailbox's emails to its address, and the address's claim (it can sign up again at once). A handoff sealed for
   * it no longer redeems (`stale`). Resolves with the address it had and the refs of the
   * sessions it ended (to close their sockets), or null when there was no such account.
   */
  delete(id: string): Promise<DeletedAccount | null>;
  /**
   * Moves the account to `newEmail` (normalized here, as `create` does), in one step: only
   * while the account is at `credentialVersion` (`stale` otherwise, or when it is gone) and
   * no account has that address (`taken`, this account's own included). The credential
   * version moves on, so every emailed token and every handoff sealed before dies; the old
   * address is freed (it can sign up again at once). The new address is confirmed at
   * `confirmedAt` in the same step: the link that asks for the move was mailed there, so
   * using it proves the address, and no reader ever sees the account moved but unconfirmed.
   */
  changeEmail(
    id: string,
    credentialVersion: number,
    newEmail: string,
    confirmedAt: number,
  ): Promise<EmailChange>;
}

/** How `AccountStore.changeEmail` ended. */
export type EmailChange =
  | { ok: true; previousEmail: string; credentialVersion: number }
  | { ok: false; reason: 'taken' | 'stale' };

/** What deleting an account removed that its caller must still act on. */
export interface DeletedAccount {
  email: string;
  /** The refs of the account's sessions, all ended. */
  sessionRefs: string[];
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
  /**
   * The live sessions signed in to `accountId` (their data's `accountId`), each with its key,
   * in no particular order: what the sessions page lists.
   */
  listForAccount(accountId: string): Promise<StoredSession[]>;
  /**
   * Destroys the session of `accountId` whose data's `handle` is `handle` (the sessions
   * page's "Sign out"), in one step, and resolves with its key; null when the account has
   * no such live session (a handle of another account's session ends nothing).
   */
  destroyByHandle(accountId: string, handle: string): Promise<string | null>;
}

/** A session as `listForAccount` finds it. */
export interface StoredSession {
  key: string;
  data: SessionData;
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

/** An account's authenticator-app (TOTP) state as stored; see server/two-factor/. */
export interface TwoFactorRecord {
  /** The TOTP secret, sealed with the key ring (never in clear); null while it is off. */
  sealedSecret: string | null;
  /** When it was turned on (ms epoch); null while it is off. */
  enabledAt: number | null;
  /** The newest TOTP time step accepted (0 before any): older and equal steps are refused. */
  lastStep: number;
  /** A secret offered by a setup not yet confirmed with a code, sealed, and when. */
  pending: { sealedSecret: string; createdAt: number } | null;
  /** How many recovery codes are still unused. */
  recoveryCodesLeft: number;
}

/** A page of `TwoFactorStore.sealedSecrets`. */
export interface SealedSecretPage {
  entries: Array<{ accountId: string; sealedSecret: string }>;
  /** Where the next page starts; null when this was the last. */
  next: string | null;
}

export interface TwoFactorStore {
  /** The account's state, or null when nothing was ever stored for it (or all was removed). */
  get(accountId: string): Promise<TwoFactorRecord | null>;
  /** Files a setup's secret as pending, replacing any pending one; what is on stays on. */
  setPending(accountId: string, sealedSecret: string, createdAt: number): Promise<void>;
  /**
   * Turns it on with the pending secret, only while the pending secret is still
   * `sealedSecret` (a setup begun again in another tab wins), in one step: the secret becomes
   * the account's, `step` the last accepted one, and `recoveryCodeHashes` replace any codes.
   * Resolves false, changing nothing, when that secret is no longer pending.
   */
  enable(
    accountId: string,
    sealedSecret: string,
    step: number,
    recoveryCodeHashes: readonly string[],
    enabledAt: number,
  ): Promise<boolean>;
  /**
   * Records `step` as accepted when it is on and `step` is newer than the last accepted one,
   * atomically: of any number of callers racing with one step, exactly one gets true.
   */
  acceptStep(accountId: string, step: number): Promise<boolean>;
  /** Uses up the recovery code with this hash: true for exactly one caller, while it is on. */
  useRecoveryCode(accountId: string, codeHash: string): Promise<boolean>;
  /** Replaces every recovery code while it is on; false (nothing written) while it is off. */
  replaceRecoveryCodes(accountId: string, codeHashes: readonly string[]): Promise<boolean>;
  /**
   * Replaces the sealed secret with the same secret sealed under a newer key, only while it
   * is still `previous` (so a disable or a new setup in between is not undone).
   */
  reseal(accountId: string, previous: string, sealedSecret: string): Promise<boolean>;
  /**
   * One page of the secrets that are on (a pending setup's are left out), for sealing them
   * again under a newer key (two-factor/reseal-sweep.ts). Start with `cursor` null and pass
   * each page's `next` until it is null. A page holds about `limit` entries: exactly at
   * most `limit` on SQLite (in account id order), a SCAN's worth on Redis, where a page may
   * be empty before the end and, while Redis grows its table, an entry may come twice. What
   * changes during the listing may or may not be listed; a caller writes back with
   * `reseal`, which refuses a secret that has changed since.
   */
  sealedSecrets(cursor: string | null, limit: number): Promise<SealedSecretPage>;
  /**
   * Removes the secret, any pending one, the last step and the recovery codes: turning it
   * off, and what deleting the account must do. Resolves true when it was on.
   */
  disable(accountId: string): Promise<boolean>;
}

/** A WebAuthn credential (passkey) as stored; see server/passkeys/. */
export interface StoredPasskey {
  /** The credential id, base64url: unique across all accounts. */
  id: string;
  accountId: string;
  /** The COSE-encoded public key, as @simplewebauthn/server returns it. */
  publicKey: Uint8Array;
  /** The authenticator's signature counter at its last use (0 for those that keep none). */
  counter: number;
  /** How the browser can reach the authenticator ('internal', 'hybrid', 'usb'...). */
  transports: string[];
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface PasskeyStore {
  /** Files a new credential; false, writing nothing, when its id is already filed. */
  add(passkey: StoredPasskey): Promise<boolean>;
  findById(id: string): Promise<StoredPasskey | null>;
  /** The account's passkeys, oldest first. */
  listForAccount(accountId: string): Promise<StoredPasskey[]>;
  /** Renames one of the account's passkeys; false when the account has no such passkey. */
  rename(accountId: string, id: string, name: string): Promise<boolean>;
  /**
   * Notes a sign-in with the passkey: its counter becomes `counter` and `lastUsedAt` moves,
   * only when the counter moved forward (or the authenticator keeps none: both 0), checked
   * and written in one step, so two assertions with one counter value succeed once.
   */
  recordUse(id: string, counter: number, usedAt: number): Promise<boolean>;
  /** Removes one of the account's passkeys; false when the account has no such passkey. */
  remove(accountId: string, id: string): Promise<boolean>;
  /** Removes all of the account's passkeys (deleting the account); resolves with how many. */
  removeAll(accountId: string): Promise<number>;
}

/**
 * Short-lived, single-use WebAuthn challenges, filed under a key that names the ceremony and
 * the live socket that asked (server/passkeys/challenges.ts composes it).
 */
export interface ChallengeStore {
  /** Keeps `challenge` under `key` until `expiresAt` (ms epoch), replacing any there. */
  put(key: string, challenge: string, expiresAt: number): Promise<void>;
  /**
   * Removes and returns the challenge under `key`: exactly one of any number of racing
   * callers gets it; null when there is none or it has expired.
   */
  take(key: string): Promise<string | null>;
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

/** How many browsers `KnownDeviceStore` remembers per account; remembering one more drops the least recently seen. */
export const KNOWN_DEVICES_LIMIT = 50;
/**
 * How often a known browser's last sighting moves on: at most once a day, so a sign-in from
 * a browser the account knows writes nothing (which of 50 browsers was seen longest ago is
 * not a question of hours).
 */
export const KNOWN_DEVICE_SEEN_RESOLUTION_MS = 24 * 60 * 60 * 1000;

/**
 * The browsers each account has signed in from, for the new-device notice
 * (server/devices/new-device.ts). A browser is filed by a digest its caller derives from
 * the account and the browser's binding cookie, never by the binding or its plain hash.
 */
export interface KnownDeviceStore {
  /**
   * Notes that the browser `digest` signed in to the account at `at` (ms), in one atomic
   * step: files it if absent (or moves its last sighting on, when that is
   * `KNOWN_DEVICE_SEEN_RESOLUTION_MS` old), then keeps only the
   * `KNOWN_DEVICES_LIMIT` most recently seen. Resolves true for the one caller that filed
   * it, however many race on any instance; false when it was known already, or when the
   * account does not exist (nothing is filed for it then).
   */
  remember(accountId: string, digest: string, at: number): Promise<boolean>;
  /** How many browsers are remembered for the account (at most `KNOWN_DEVICES_LIMIT`). */
  count(accountId: string): Promise<number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly handoffs: HandoffLedger;
  readonly twoFactor: TwoFactorStore;
  readonly passkeys: PasskeyStore;
  readonly challenges: ChallengeStore;
  readonly tokens: TokenStore;
  readonly mailbox: MailboxStore;
  readonly devices: KnownDeviceStore;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
