/**
 * The browsers each account has signed in from (`KnownDeviceStore`) on SQLite: table
 * `known_devices`, migration 7. A remember is one transaction inside the group commit, which
 * holds the write lock, so its look-up, insert and trim are one step for every connection and
 * process sharing the file.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.ts';
import {
  KNOWN_DEVICE_SEEN_RESOLUTION_MS,
  KNOWN_DEVICES_LIMIT,
  type KnownDeviceStore,
} from './store.ts';

export function sqliteKnownDevices(db: Database.Database, write: GroupCommit): KnownDeviceStore {
  const accountExists = db.prepare<[string], number>('SELECT 1 FROM accounts WHERE id = ?').pluck();
  // The last sighting only moves forward: two instances' clocks may disagree a little.
  const upsert = db.prepare<[string, string, number]>(
    `INSERT INTO known_devices (account_id, digest, seen_at) VALUES (?, ?, ?)
     ON CONFLICT (account_id, digest) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)`,
  );
  const seenAt = db
    .prepare<[string, string], number>(
      'SELECT seen_at FROM known_devices WHERE account_id = ? AND digest = ?',
    )
    .pluck();
  // Ties in seen_at drop the smaller digest first, as Redis's ZREMRANGEBYRANK does.
  const trim = db.prepare<[string, string, number]>(
    `DELETE FROM known_devices WHERE account_id = ? AND digest NOT IN (
       SELECT digest FROM known_devices WHERE account_id = ?
       ORDER BY seen_at DESC, digest DESC LIMIT ?)`,
  );
  const count = db
    .prepare<[string], number>('SELECT count(*) FROM known_devices WHERE account_id = ?')
    .pluck();
  // A savepoint inside the group commit's transaction.
  const remember = db.transaction((accountId: string, digest: string, at: number): boolean => {
    // A sign-in racing the account's deletion files nothing for an account that is gone.
    if (accountExists.get(accountId) === undefined) return false;
    const isNew = seenAt.get(accountId, digest) === undefined;
    upsert.run(accountId, digest, at);
    if (isNew) trim.run(accountId, accountId, KNOWN_DEVICES_LIMIT);
    return isNew;
  });
  return {
    async remember(accountId, digest, at) {
      // Known and seen lately: a read, no write and no write lock. Answering "known" from
      // this read is as if it came just before whatever lands next.
      const seen = seenAt.get(accountId, digest);
      if (seen !== undefined && at - seen < KNOWN_DEVICE_SEEN_RESOLUTION_MS) return false;
      return write(() => remember(accountId, digest, at));
    },
    async count(accountId) {
      return count.get(accountId) ?? 0;
    },
  };
}
