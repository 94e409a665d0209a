/**
 * The SQLite store's change of an account's email (`AccountStore.changeEmail`): one
 * transaction inside the group commit, which holds the write lock, so the check of the
 * credential version, the check that no account has the new address and the update happen
 * with nothing in between, on any connection. The `UNIQUE` index on `accounts.email` would
 * refuse a second owner anyway; checking first answers `taken` instead of throwing. The same
 * update confirms the new address (`email_confirmed_at`): the time is the move's own, not a
 * confirmation of the old address carried over.
 */
import type Database from 'better-sqlite3';
import { normalizeEmail } from '../../shared/forms.ts';
import type { GroupCommit } from './group-commit.ts';
import type { AccountStore, EmailChange } from './store.ts';

export function sqliteChangeEmail(
  db: Database.Database,
  write: GroupCommit,
): AccountStore['changeEmail'] {
  const current = db.prepare<[string], { email: string; credential_version: number }>(
    'SELECT email, credential_version FROM accounts WHERE id = ?',
  );
  const owner = db.prepare<[string], string>('SELECT id FROM accounts WHERE email = ?').pluck();
  const update = db
    .prepare<[string, number, string], number>(
      `UPDATE accounts
       SET email = ?, email_confirmed_at = ?, credential_version = credential_version + 1
       WHERE id = ? RETURNING credential_version`,
    )
    .pluck();
  // A savepoint inside the group commit's transaction (better-sqlite3 nests them).
  const change = db.transaction(
    (id: string, version: number, email: string, confirmedAt: number): EmailChange => {
      const account = current.get(id);
      if (account === undefined || account.credential_version !== version)
        return { ok: false, reason: 'stale' };
      if (owner.get(email) !== undefined) return { ok: false, reason: 'taken' };
      const credentialVersion = update.get(email, confirmedAt, id);
      if (credentialVersion === undefined) return { ok: false, reason: 'stale' };
      return { ok: true, previousEmail: account.email, credentialVersion };
    },
  );
  return (id, credentialVersion, newEmail, confirmedAt) =>
    write(() => change(id, credentialVersion, normalizeEmail(newEmail), confirmedAt));
}
