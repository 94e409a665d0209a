/**
 * The SQLite schema as an ordered list of migrations. The version a file has reached is kept
 * in `PRAGMA user_version` (a field of the database header, so it needs no table of its own
 * and changes atomically with the schema inside the same transaction).
 *
 * To change the schema, append a migration with the next version; never edit one that has
 * shipped, since files in the field have already applied it.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3, ...: the `user_version` a file has once this migration is applied. */
  readonly version: number;
  readonly name: string;
  /** One or more SQL statements, run inside the migration's transaction. */
  readonly up: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'accounts, sessions and the handoff ledger',
    up: `
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE sessions (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      -- The sweep deletes by expiry; without the index it scans every row.
      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      CREATE TABLE handoffs (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX handoffs_expires_at ON handoffs (expires_at);
    `,
  },
  {
    version: 2,
    name: 'sessions and the ledger keyed by their own ids (WITHOUT ROWID), the ledger unindexed',
    // Each sign-in writes one ledger row and one session row. As rowid tables with a TEXT
    // primary key, each insert dirtied three b-trees (table, key index, expiry index); keyed
    // by the id itself, a session dirties two and a ledger row one (bench/cases/redeem.ts
    // measures both schemas side by side). The ledger only
    // holds the handoffs redeemed within one handoff lifetime, so its once-a-minute sweep
    // can scan it without an index.
    up: `
      CREATE TABLE sessions_v2 (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO sessions_v2 (key, data, expires_at) SELECT key, data, expires_at FROM sessions;
      DROP TABLE sessions;
      ALTER TABLE sessions_v2 RENAME TO sessions;
      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      CREATE TABLE handoffs_v2 (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO handoffs_v2 (id, expires_at) SELECT id, expires_at FROM handoffs;
      DROP TABLE handoffs;
      ALTER TABLE handoffs_v2 RENAME TO handoffs;
    `,
  },
  {
    version: 3,
    name: 'sessions indexed by their account',
    // So a password change can end the account's other sessions without reading every
    // session. Partial: a session with no account (none are written today) costs no entry.
    up: `
      ALTER TABLE sessions ADD COLUMN account_id TEXT;
      UPDATE sessions SET account_id = json_extract(data, '$.accountId')
        WHERE json_valid(data) AND json_type(data, '$.accountId') = 'text';
      CREATE INDEX sessions_by_account ON sessions (account_id) WHERE account_id IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'accounts carry a credential version',
    // Moved on by a password change; a handoff carries the version it was sealed under and
    // does not redeem once it has moved on. Existing accounts start at 0, as new ones do.
    up: `
      ALTER TABLE accounts ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: 'authenticator apps, recovery codes, passkeys and their challenges',
    // Rows of an account go with it (ON DELETE CASCADE), so deleting the account row deletes
    // them too; the stores also remove them explicitly, as Redis must. A challenge belongs to
    // a live socket, not an account: it dies by its expiry or its single use.
    up: `
      CREATE TABLE two_factor (
        account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
        secret TEXT,
        enabled_at INTEGER,
        last_step INTEGER NOT NULL DEFAULT 0,
        pending_secret TEXT,
        pending_at INTEGER
      ) WITHOUT ROWID;

      CREATE TABLE recovery_codes (
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        PRIMARY KEY (account_id, code_hash)
      ) WITHOUT ROWID;

      CREATE TABLE passkeys (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        public_key BLOB NOT NULL,
        counter INTEGER NOT NULL,
        transports TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX passkeys_by_account ON passkeys (account_id, created_at);

      CREATE TABLE passkey_challenges (
        key TEXT PRIMARY KEY,
        challenge TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'emailed tokens (hashes only) and the dev mailbox',
    // A token row is keyed by the token's SHA-256: the token itself is never stored. The
    // mailbox keeps its order in seq, so "newest first" does not depend on the clock (only
    // the oldest rows are ever deleted, so a new row's seq is always the largest).
    up: `
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        account_id TEXT NOT NULL,
        email TEXT NOT NULL,
        credential_version INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE mailbox (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        text TEXT NOT NULL,
        html TEXT NOT NULL,
        sent_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'the browsers each account has signed in from (new-device notices)',
    // A row per account and browser digest (never the binding cookie nor its hash), with
    // when it was last seen: the store keeps the most recently seen few per account, by the
    // index. Rows go with their account (ON DELETE CASCADE; the delete names them too).
    up: `
      CREATE TABLE known_devices (
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, digest)
      ) WITHOUT ROWID;
      CREATE INDEX known_devices_by_seen ON known_devices (account_id, seen_at);
    `,
  },
  {
    version: 8,
    name: 'accounts know when their email was confirmed',
    // Null: not confirmed. Accounts made before this migration start unconfirmed too: no
    // link ever proved their address, and marking them confirmed would claim a check that
    // never happened. Nothing is refused to an unconfirmed account; its page offers to send
    // the confirmation email.
    up: `
      ALTER TABLE accounts ADD COLUMN email_confirmed_at INTEGER;
    `,
  },
]);

/** Thrown when a file was written by a newer Baton whose schema this one cannot read. */
export class SchemaVersionError extends Error {
  readonly code = 'store.schema-too-new';
  /** Names a file path: for the operator's log, never for the browser. */
  readonly expose = false;
  constructor(
    readonly file: string,
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `${file} has schema version ${fileVersion}, newer than the newest this Baton knows (${knownVersion}): run a newer Baton or point the store at another file`,
    );
    this.name = 'SchemaVersionError';
  }
}

/**
 * Brings `db` up to the newest of `migrations`, each in its own transaction, and returns the
 * migrations it applied (none when the file is already current). Refuses a file whose
 * `user_version` is newer than the newest migration known.
 *
 * @example
 * const db = new Database('data/baton.db');
 * migrate(db); // [] on every start after the first
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Migration[] {
  assertOrdered(migrations);
  const known = migrations.at(-1)?.version ?? 0;
  const applied: Migration[] = [];
  // IMMEDIATE takes the write lock before reading user_version, so two processes opening a
  // fresh file at once cannot both decide to apply the same migration: the second waits
  // (busy_timeout), then reads the version the first one wrote.
  const step = db.transaction((migration: Migration): boolean => {
    const current = userVersion(db);
    if (current > known) throw new SchemaVersionError(db.name, current, known);
    if (current >= migration.version) return false;
    db.exec(migration.up);
    db.pragma(`user_version = ${migration.version}`);
    return true;
  });
  // The version check must run even when there is nothing to apply.
  const current = userVersion(db);
  if (current > known) throw new SchemaVersionError(db.name, current, known);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    if (step.immediate(migration)) applied.push(migration);
  }
  return applied;
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function assertOrdered(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    // Versions must be consecutive: a gap would leave user_version naming a schema that
    // some files reached by a different path.
    if (!Number.isSafeInteger(migration.version) || migration.version !== previous + 1) {
      throw new Error(
        `Migration "${migration.name}" must have version ${previous + 1} (received ${migration.version})`,
      );
    }
    previous = migration.version;
  }
}
