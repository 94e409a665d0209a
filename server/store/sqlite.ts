/**
 * The default store: one SQLite file opened with better-sqlite3. Its calls are synchronous
 * (microseconds on a local file), wrapped in the async `Store` interface so that Redis fits
 * behind the same interface. Several processes may share the file: WAL lets readers run
 * beside the one writer, and every write that must be atomic is a single statement. The
 * writes on the sign-in path are group-committed (./group-commit.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normalizeEmail } from '../../shared/forms.ts';
import { type GroupCommit, groupCommit } from './group-commit.ts';
import { migrate } from './migrations.ts';
import { sqliteChangeEmail } from './sqlite-change-email.ts';
import { sqliteKnownDevices } from './sqlite-devices.ts';
import { sqliteMailbox } from './sqlite-mailbox.ts';
import { sqliteChallengeStore, sqlitePasskeyStore } from './sqlite-passkeys.ts';
import { sqliteTokens } from './sqlite-tokens.ts';
import { sqliteTwoFactorStore } from './sqlite-two-factor.ts';
import type {
  Account,
  AccountStore,
  DeletedAccount,
  HandoffLedger,
  RedeemResult,
  SealedCredentials,
  SessionData,
  SessionStore,
  SessionWrite,
  Store,
} from './store.ts';

export type SqliteStore = Store & {
  readonly kind: 'sqlite';
  /**
   * Deletes expired sessions, ledger rows, passkey challenges and tokens (group-committed);
   * resolves with how many.
   */
  sweepExpired(): Promise<number>;
};

/** How often expired rows are swept. Reads already ignore them, so this only bounds growth. */
const SWEEP_INTERVAL_MS = 60_000;
/** How long a write waits for another connection's write lock before failing. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating it and its folder if needed) and migrates the SQLite database at `file`.
 * `now` replaces `Date.now` for expiry decisions, so tests can move time.
 *
 * @example
 * const store = openSqliteStore({ file: 'data/baton.db' });
 * await store.ping();
 */
export function openSqliteStore(options: { file: string; now?: () => number }): SqliteStore {
  const now = options.now ?? Date.now;
  if (options.file !== ':memory:' && options.file !== '') {
    mkdirSync(path.dirname(options.file), { recursive: true });
  }
  const db = new Database(options.file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash or power
    // loss can drop the last commits, which costs at most a re-login.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }

  const sweepSessions = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
  const sweepHandoffs = db.prepare<[number]>('DELETE FROM handoffs WHERE expires_at <= ?');
  const selectOne = db.prepare<[], number>('SELECT 1').pluck();
  const write = groupCommit(db);
  const challenges = sqliteChallengeStore(db, now, write);
  const tokens = sqliteTokens(db, now, write);
  // Inside a group commit, like every other write: it shares the batch's one transaction
  // and never takes the write lock on its own.
  const sweepExpired = (): Promise<number> =>
    write(() => {
      const at = now();
      return (
        sweepSessions.run(at).changes +
        sweepHandoffs.run(at).changes +
        challenges.sweep(at) +
        tokens.sweep(at)
      );
    });

  const timer = setInterval(() => {
    // A busy or closing database: expired rows are invisible to reads already, and the next
    // tick retries. An unhandled rejection here would crash the process from a timer.
    sweepExpired().catch(() => {});
  }, SWEEP_INTERVAL_MS);
  // The sweep alone must not keep the process alive.
  timer.unref();

  const rows = sessionRows(db, now);

  return {
    kind: 'sqlite',
    accounts: accountStore(db, now, write),
    sessions: sessionStore(db, now, write, rows),
    handoffs: handoffLedger(db, now, write, rows),
    twoFactor: sqliteTwoFactorStore(db, write),
    passkeys: sqlitePasskeyStore(db, write),
    challenges: { put: challenges.put, take: challenges.take },
    tokens: tokens.tokens,
    mailbox: sqliteMailbox(db, write),
    devices: sqliteKnownDevices(db, write),
    sweepExpired,
    async ping() {
      const one = selectOne.get();
      if (one !== 1) throw new Error(`SQLite answered "SELECT 1" with ${String(one)}`);
    },
    async close() {
      clearInterval(timer);
      if (db.open) db.close();
    },
  };
}

interface AccountRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
  credential_version: number;
  email_confirmed_at: number | null;
}

function toAccount(row: AccountRow | undefined): Account | null {
  if (row === undefined) return null;
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    credentialVersion: row.credential_version,
    emailConfirmedAt: row.email_confirmed_at,
  };
}

const ACCOUNT_COLUMNS =
  'id, email, password_hash, created_at, credential_version, email_confirmed_at';

function accountStore(db: Database.Database, now: () => number, write: GroupCommit): AccountStore {
  // ON CONFLICT(email) makes "is the email taken?" and the insert one atomic step; any other
  // conflict (a repeated UUID) still throws rather than passing for a taken email.
  const insert = db.prepare<[string, string, string, number]>(
    `INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(email) DO NOTHING`,
  );
  const byEmail = db.prepare<[string], AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = ?`,
  );
  const byId = db.prepare<[string], AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`,
  );
  const setHash = db.prepare<[string, string]>(
    'UPDATE accounts SET password_hash = ? WHERE id = ?',
  );
  // One statement: the new hash and the new version are written, and read back, together.
  const setPassword = db
    .prepare<[string, string], number>(
      `UPDATE accounts SET password_hash = ?, credential_version = credential_version + 1
       WHERE id = ? RETURNING credential_version`,
    )
    .pluck();
  // One statement: the address is checked and the time written together; COALESCE keeps
  // the first confirmation's time. A row matched with its time already set still counts.
  const confirm = db.prepare<[number, string, string]>(
    `UPDATE accounts SET email_confirmed_at = COALESCE(email_confirmed_at, ?)
     WHERE id = ? AND email = ?`,
  );
  const remove = deleteAccount(db);

  return {
    async create(raw, passwordHash) {
      const email = normalizeEmail(raw);
      const account: Account = {
        id: randomUUID(),
        email,
        passwordHash,
        createdAt: now(),
        credentialVersion: 0,
        emailConfirmedAt: null,
      };
      const { changes } = insert.run(account.id, email, passwordHash, account.createdAt);
      return changes === 1 ? account : null;
    },
    async findByEmail(email) {
      return toAccount(byEmail.get(normalizeEmail(email)));
    },
    async findById(id) {
      return toAccount(byId.get(id));
    },
    async updatePasswordHash(id, passwordHash) {
      setHash.run(passwordHash, id);
    },
    async changePassword(id, passwordHash) {
      return setPassword.get(passwordHash, id) ?? null;
    },
    async confirmEmail(id, email, at) {
      const { changes } = await write(() => confirm.run(at, id, normalizeEmail(email)));
      return changes === 1;
    },
    delete: (id) => write(() => remove(id)),
    changeEmail: sqliteChangeEmail(db, write),
  };
}

/**
 * Deletes an account and everything kept for it, as one transaction (a savepoint inside the
 * caller's group commit, which holds the write lock): no sign-in, token or handoff can slip
 * in between. The factor tables would follow the account by ON DELETE CASCADE; they are
 * named here too, so the list of what goes is in one place.
 */
function deleteAccount(db: Database.Database) {
  const email = db.prepare<[string], string>('SELECT email FROM accounts WHERE id = ?').pluck();
  const sessions = db
    .prepare<[string], string>('DELETE FROM sessions WHERE account_id = ? RETURNING key')
    .pluck();
  const owned = [
    'DELETE FROM tokens WHERE account_id = ?',
    'DELETE FROM recovery_codes WHERE account_id = ?',
    'DELETE FROM two_factor WHERE account_id = ?',
    'DELETE FROM passkeys WHERE account_id = ?',
    'DELETE FROM known_devices WHERE account_id = ?',
  ].map((sql) => db.prepare<[string]>(sql));
  const mailbox = db.prepare<[string]>('DELETE FROM mailbox WHERE recipient = ?');
  const account = db.prepare<[string]>('DELETE FROM accounts WHERE id = ?');
  return db.transaction((id: string): DeletedAccount | null => {
    const address = email.get(id);
    if (address === undefined) return null;
    const sessionRefs = sessions.all(id);
    for (const statement of owned) statement.run(id);
    mailbox.run(address);
    account.run(id);
    return { email: address, sessionRefs };
  });
}

/** Writes and deletes session rows (synchronously: the caller commits). */
function sessionRows(db: Database.Database, now: () => number) {
  const upsert = db.prepare<[string, string, number, string | null]>(
    `INSERT INTO sessions (key, data, expires_at, account_id) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
       account_id = excluded.account_id`,
  );
  const remove = db.prepare<[string]>('DELETE FROM sessions WHERE key = ?');
  return {
    write({ key, data, ttlMs }: SessionWrite): void {
      const accountId = typeof data.accountId === 'string' ? data.accountId : null;
      upsert.run(key, JSON.stringify(data), now() + ttlMs, accountId);
    },
    remove(key: string): void {
      remove.run(key);
    },
  };
}
type SessionRows = ReturnType<typeof sessionRows>;

function sessionStore(
  db: Database.Database,
  now: () => number,
  write: GroupCommit,
  rows: SessionRows,
): SessionStore {
  const select = db.prepare<[string], { data: string; expires_at: number }>(
    'SELECT data, expires_at FROM sessions WHERE key = ?',
  );
  const removeForAccount = db.prepare<[string, string | null], { key: string }>(
    'DELETE FROM sessions WHERE account_id = ? AND key IS NOT ? RETURNING key',
  );
  const listForAccount = db.prepare<[string, number], { key: string; data: string }>(
    'SELECT key, data FROM sessions WHERE account_id = ? AND expires_at > ?',
  );
  const removeByHandle = db.prepare<[string, string, number], { key: string }>(
    `DELETE FROM sessions WHERE account_id = ? AND json_extract(data, '$.handle') = ?
       AND expires_at > ? RETURNING key`,
  );
  // Only a row that is still there and still live: a touch must not bring back a session
  // that a sign-out (on this or another connection) has deleted, nor one that has expired.
  const update = db.prepare<[string, number, string | null, string, number]>(
    `UPDATE sessions SET data = ?, expires_at = ?, account_id = ?
     WHERE key = ? AND expires_at > ?`,
  );

  return {
    async get(key) {
      const row = select.get(key);
      // An expired row reads as missing; the sweep deletes it inside a group commit. Deleting
      // it here would be a write outside group commit, waiting on other processes' locks.
      if (row === undefined || row.expires_at <= now()) return null;
      return JSON.parse(row.data) as SessionData;
    },
    async set(key, data, ttlMs) {
      await write(() => rows.write({ key, data, ttlMs }));
    },
    async touch(key, data, ttlMs) {
      const accountId = typeof data.accountId === 'string' ? data.accountId : null;
      const json = JSON.stringify(data);
      const { changes } = await write(() => {
        const at = now();
        return update.run(json, at + ttlMs, accountId, key, at);
      });
      return changes === 1;
    },
    async destroy(key) {
      await write(() => rows.remove(key));
    },
    async destroyForAccount(accountId, keep) {
      const ended = await write(() => removeForAccount.all(accountId, keep));
      return ended.map((row) => row.key);
    },
    async listForAccount(accountId) {
      return listForAccount
        .all(accountId, now())
        .map((row) => ({ key: row.key, data: JSON.parse(row.data) as SessionData }));
    },
    async destroyByHandle(accountId, handle) {
      const ended = await write(() => removeByHandle.get(accountId, handle, now()));
      return ended?.key ?? null;
    },
  };
}

function handoffLedger(
  db: Database.Database,
  now: () => number,
  write: GroupCommit,
  sessions: SessionRows,
): HandoffLedger {
  // One statement, so SQLite's write lock makes it atomic across connections and processes:
  // the first insert of an id changes one row, every later one changes none.
  const insert = db.prepare<[string, number]>(
    'INSERT INTO handoffs (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING',
  );
  const credentialVersion = db
    .prepare<[string], number>('SELECT credential_version FROM accounts WHERE id = ?')
    .pluck();
  // Called inside the group commit's transaction (which holds the write lock, so no password
  // change can land between the check and the writes), better-sqlite3 runs this one as a
  // savepoint: if a session write throws, the ledger row goes with it.
  const redeem = db.transaction(
    (
      id: string,
      expiresAt: number,
      session: SessionWrite,
      replaces: string | null,
      sealed: SealedCredentials | null,
    ): RedeemResult => {
      if (sealed && credentialVersion.get(sealed.accountId) !== sealed.credentialVersion)
        return 'stale';
      if (insert.run(id, expiresAt).changes !== 1) return 'used';
      sessions.write(session);
      if (replaces !== null) sessions.remove(replaces);
      return 'redeemed';
    },
  );

  return {
    async consume(id, expiresAt) {
      // An already expired id is refused without being recorded: the sweep deletes rows at
      // their expiry, so recording one would let it be consumed again after the next sweep.
      // A live id keeps its row until it expires, and its expiry is sealed into the handoff,
      // so no caller can present the same id with a later expiry.
      if (expiresAt <= now()) return false;
      const result = await write(() => insert.run(id, expiresAt));
      return result.changes === 1;
    },
    async redeem(id, expiresAt, session, replaces = null, sealed) {
      if (expiresAt <= now()) return 'used';
      return write(() => redeem(id, expiresAt, session, replaces, sealed ?? null));
    },
  };
}
