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
  /** Replaces the stored hash, e.g. after raising the scrypt parameters. */
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
}

export interface SessionStore {
  /** Returns the data, or null when absent or expired. */
  get(key: string): Promise<SessionData | null>;
  /** Stores the data until `Date.now() + ttlMs`. */
  set(key: string, data: SessionData, ttlMs: number): Promise<void>;
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
   */
  redeem(
    id: string,
    expiresAt: number,
    session: SessionWrite,
    replaces?: string | null,
  ): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly handoffs: HandoffLedger;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
