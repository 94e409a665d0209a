/**
 * Authenticator-app state and recovery codes on SQLite (tables `two_factor` and
 * `recovery_codes`, migration 5). Every write goes through the store's group commit; a write
 * that must check before it changes (a step newer than the last, a code still unused) is one
 * statement or one transaction, so it is atomic across connections and processes.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.ts';
import type { SealedSecretPage, TwoFactorRecord, TwoFactorStore } from './store.ts';

interface TwoFactorRow {
  secret: string | null;
  enabled_at: number | null;
  last_step: number;
  pending_secret: string | null;
  pending_at: number | null;
  codes_left: number;
}

function toRecord(row: TwoFactorRow | undefined): TwoFactorRecord | null {
  if (row === undefined) return null;
  return {
    sealedSecret: row.secret,
    enabledAt: row.enabled_at,
    lastStep: row.last_step,
    pending:
      row.pending_secret === null
        ? null
        : { sealedSecret: row.pending_secret, createdAt: row.pending_at ?? 0 },
    recoveryCodesLeft: row.codes_left,
  };
}

export function sqliteTwoFactorStore(db: Database.Database, write: GroupCommit): TwoFactorStore {
  const select = db.prepare<[string], TwoFactorRow>(
    `SELECT secret, enabled_at, last_step, pending_secret, pending_at,
       (SELECT count(*) FROM recovery_codes r WHERE r.account_id = t.account_id) AS codes_left
     FROM two_factor t WHERE account_id = ?`,
  );
  const upsertPending = db.prepare<[string, string, number]>(
    `INSERT INTO two_factor (account_id, pending_secret, pending_at) VALUES (?, ?, ?)
     ON CONFLICT(account_id) DO UPDATE SET pending_secret = excluded.pending_secret,
       pending_at = excluded.pending_at`,
  );
  const promotePending = db.prepare<[number, number, string, string]>(
    `UPDATE two_factor SET secret = pending_secret, enabled_at = ?, last_step = ?,
       pending_secret = NULL, pending_at = NULL
     WHERE account_id = ? AND pending_secret = ?`,
  );
  const isOn = db
    .prepare<[string], number>(
      'SELECT 1 FROM two_factor WHERE account_id = ? AND secret IS NOT NULL',
    )
    .pluck();
  const deleteCodes = db.prepare<[string]>('DELETE FROM recovery_codes WHERE account_id = ?');
  const insertCode = db.prepare<[string, string]>(
    'INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  // One statement: SQLite's write lock makes the comparison and the update one step.
  const advanceStep = db.prepare<[number, string, number]>(
    `UPDATE two_factor SET last_step = ?
     WHERE account_id = ? AND secret IS NOT NULL AND last_step < ?`,
  );
  const deleteCode = db.prepare<[string, string, string]>(
    `DELETE FROM recovery_codes WHERE account_id = ? AND code_hash = ?
       AND EXISTS (SELECT 1 FROM two_factor WHERE account_id = ? AND secret IS NOT NULL)`,
  );
  const swapSecret = db.prepare<[string, string, string]>(
    'UPDATE two_factor SET secret = ? WHERE account_id = ? AND secret = ?',
  );
  // The primary key's order: each page is a range read that starts where the last one ended.
  const secretsAfter = db.prepare<[string, number], { account_id: string; secret: string }>(
    `SELECT account_id, secret FROM two_factor
     WHERE account_id > ? AND secret IS NOT NULL ORDER BY account_id LIMIT ?`,
  );
  const deleteState = db
    .prepare<[string], string | null>(
      'DELETE FROM two_factor WHERE account_id = ? RETURNING secret',
    )
    .pluck();

  const fileCodes = (accountId: string, hashes: readonly string[]) => {
    deleteCodes.run(accountId);
    for (const hash of hashes) insertCode.run(accountId, hash);
  };
  // Each runs as a savepoint inside the group commit's transaction: all of it or none.
  const enable = db.transaction(
    (
      accountId: string,
      sealedSecret: string,
      step: number,
      hashes: readonly string[],
      at: number,
    ): boolean => {
      if (promotePending.run(at, step, accountId, sealedSecret).changes !== 1) return false;
      fileCodes(accountId, hashes);
      return true;
    },
  );
  const replaceCodes = db.transaction((accountId: string, hashes: readonly string[]): boolean => {
    if (isOn.get(accountId) !== 1) return false;
    fileCodes(accountId, hashes);
    return true;
  });
  const disable = db.transaction((accountId: string): boolean => {
    const secrets = deleteState.all(accountId);
    deleteCodes.run(accountId);
    return secrets.some((secret) => secret !== null);
  });

  return {
    async get(accountId) {
      return toRecord(select.get(accountId));
    },
    async setPending(accountId, sealedSecret, createdAt) {
      await write(() => upsertPending.run(accountId, sealedSecret, createdAt));
    },
    enable(accountId, sealedSecret, step, hashes, enabledAt) {
      return write(() => enable(accountId, sealedSecret, step, hashes, enabledAt));
    },
    async acceptStep(accountId, step) {
      const { changes } = await write(() => advanceStep.run(step, accountId, step));
      return changes === 1;
    },
    async useRecoveryCode(accountId, codeHash) {
      const { changes } = await write(() => deleteCode.run(accountId, codeHash, accountId));
      return changes === 1;
    },
    replaceRecoveryCodes(accountId, hashes) {
      return write(() => replaceCodes(accountId, hashes));
    },
    async reseal(accountId, previous, sealedSecret) {
      const { changes } = await write(() => swapSecret.run(sealedSecret, accountId, previous));
      return changes === 1;
    },
    disable(accountId) {
      return write(() => disable(accountId));
    },
    async sealedSecrets(cursor, limit): Promise<SealedSecretPage> {
      const rows = secretsAfter.all(cursor ?? '', limit);
      const last = rows.at(-1);
      return {
        entries: rows.map((row) => ({ accountId: row.account_id, sealedSecret: row.secret })),
        next: rows.length === limit && last !== undefined ? last.account_id : null,
      };
    },
  };
}
