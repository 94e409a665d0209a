/**
 * The SQLite store's emailed tokens (`TokenStore`): one row per token, keyed by the token's
 * SHA-256. Using one is a single transaction inside the group commit, which holds the write
 * lock, so of any number of callers on any number of connections exactly one finds the row
 * and deletes it; the account's credential version is read in the same transaction.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.ts';
import type { TokenCheck, TokenPurpose, TokenRecord, TokenStore } from './store.ts';

interface TokenRow {
  purpose: string;
  account_id: string;
  email: string;
  credential_version: number;
  expires_at: number;
}

export interface SqliteTokens {
  tokens: TokenStore;
  /** Deletes expired tokens (call inside a group commit); returns how many. */
  sweep(at: number): number;
}

export function sqliteTokens(
  db: Database.Database,
  now: () => number,
  write: GroupCommit,
): SqliteTokens {
  const insert = db.prepare<[string, string, string, string, number, number]>(
    `INSERT INTO tokens (hash, purpose, account_id, email, credential_version, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const select = db.prepare<[string], TokenRow>(
    `SELECT purpose, account_id, email, credential_version, expires_at FROM tokens
     WHERE hash = ?`,
  );
  const remove = db.prepare<[string]>('DELETE FROM tokens WHERE hash = ?');
  const sweep = db.prepare<[number]>('DELETE FROM tokens WHERE expires_at <= ?');
  const credentialVersion = db
    .prepare<[string], number>('SELECT credential_version FROM accounts WHERE id = ?')
    .pluck();

  /** The verdict on a token, read in the caller's transaction (or alone, for `check`). */
  const judge = (hash: string, purpose: TokenPurpose, at: number): TokenCheck => {
    const row = select.get(hash);
    if (row === undefined || row.purpose !== purpose) return { ok: false, reason: 'unknown' };
    if (row.expires_at <= at) return { ok: false, reason: 'expired' };
    if (credentialVersion.get(row.account_id) !== row.credential_version) {
      return { ok: false, reason: 'stale' };
    }
    const token: TokenRecord = {
      hash,
      purpose,
      accountId: row.account_id,
      email: row.email,
      credentialVersion: row.credential_version,
      expiresAt: row.expires_at,
    };
    return { ok: true, token };
  };

  return {
    sweep: (at) => sweep.run(at).changes,
    tokens: {
      async put(token) {
        await write(() =>
          insert.run(
            token.hash,
            token.purpose,
            token.accountId,
            token.email,
            token.credentialVersion,
            token.expiresAt,
          ),
        );
      },
      async check(hash, purpose) {
        return judge(hash, purpose, now());
      },
      consume(hash, purpose) {
        return write(() => {
          const verdict = judge(hash, purpose, now());
          // A used token goes, and so does a dead one: it can never be used again.
          if (verdict.ok || verdict.reason !== 'unknown') remove.run(hash);
          return verdict;
        });
      },
    },
  };
}
