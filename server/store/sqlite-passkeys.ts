/**
 * Passkeys and their ceremony challenges on SQLite (tables `passkeys` and
 * `passkey_challenges`, migration 5). Writes go through the store's group commit; the
 * counter check and a challenge's single use are each one statement, so they are atomic
 * across connections and processes.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.ts';
import type { ChallengeStore, PasskeyStore, StoredPasskey } from './store.ts';

interface PasskeyRow {
  id: string;
  account_id: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

const COLUMNS = 'id, account_id, public_key, counter, transports, name, created_at, last_used_at';

function toPasskey(row: PasskeyRow): StoredPasskey {
  return {
    id: row.id,
    accountId: row.account_id,
    // A plain Uint8Array, as the Redis store returns, rather than better-sqlite3's Buffer.
    publicKey: new Uint8Array(row.public_key),
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export function sqlitePasskeyStore(db: Database.Database, write: GroupCommit): PasskeyStore {
  const insert = db.prepare<
    [string, string, Buffer, number, string, string, number, number | null]
  >(`INSERT INTO passkeys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`);
  const byId = db.prepare<[string], PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE id = ?`);
  const byAccount = db.prepare<[string], PasskeyRow>(
    `SELECT ${COLUMNS} FROM passkeys WHERE account_id = ? ORDER BY created_at, id`,
  );
  const rename = db.prepare<[string, string, string]>(
    'UPDATE passkeys SET name = ? WHERE id = ? AND account_id = ?',
  );
  // A counter of 0 on both sides means the authenticator keeps none (many synced passkeys);
  // otherwise it must move forward, or the credential may have been cloned.
  const recordUse = db.prepare<[number, number, string, number, number]>(
    `UPDATE passkeys SET counter = ?, last_used_at = ?
     WHERE id = ? AND (counter < ? OR (counter = 0 AND ? = 0))`,
  );
  const remove = db.prepare<[string, string]>(
    'DELETE FROM passkeys WHERE id = ? AND account_id = ?',
  );
  const removeAll = db.prepare<[string]>('DELETE FROM passkeys WHERE account_id = ?');

  return {
    async add(passkey) {
      const { changes } = await write(() =>
        insert.run(
          passkey.id,
          passkey.accountId,
          Buffer.from(passkey.publicKey),
          passkey.counter,
          JSON.stringify(passkey.transports),
          passkey.name,
          passkey.createdAt,
          passkey.lastUsedAt,
        ),
      );
      return changes === 1;
    },
    async findById(id) {
      const row = byId.get(id);
      return row === undefined ? null : toPasskey(row);
    },
    async listForAccount(accountId) {
      return byAccount.all(accountId).map(toPasskey);
    },
    async rename(accountId, id, name) {
      const { changes } = await write(() => rename.run(name, id, accountId));
      return changes === 1;
    },
    async recordUse(id, counter, usedAt) {
      const { changes } = await write(() => recordUse.run(counter, usedAt, id, counter, counter));
      return changes === 1;
    },
    async remove(accountId, id) {
      const { changes } = await write(() => remove.run(id, accountId));
      return changes === 1;
    },
    async removeAll(accountId) {
      const { changes } = await write(() => removeAll.run(accountId));
      return changes;
    },
  };
}

export type SqliteChallengeStore = ChallengeStore & {
  /** Deletes expired challenges (synchronously: the caller commits); returns how many. */
  sweep(at: number): number;
};

export function sqliteChallengeStore(
  db: Database.Database,
  now: () => number,
  write: GroupCommit,
): SqliteChallengeStore {
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO passkey_challenges (key, challenge, expires_at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET challenge = excluded.challenge,
       expires_at = excluded.expires_at`,
  );
  // One statement: of racing takers, only the one whose DELETE found the row gets it back.
  const take = db.prepare<[string], { challenge: string; expires_at: number }>(
    'DELETE FROM passkey_challenges WHERE key = ? RETURNING challenge, expires_at',
  );
  const sweep = db.prepare<[number]>('DELETE FROM passkey_challenges WHERE expires_at <= ?');

  return {
    async put(key, challenge, expiresAt) {
      await write(() => upsert.run(key, challenge, expiresAt));
    },
    async take(key) {
      const row = await write(() => take.get(key));
      if (row === undefined || row.expires_at <= now()) return null;
      return row.challenge;
    },
    sweep: (at) => sweep.run(at).changes,
  };
}
