/**
 * Group commit for the SQLite store's hot writes (ledger claims, session writes): every write
 * asked for during one turn of the event loop runs in one transaction at the end of that
 * turn, and each caller's promise settles with its own statement's result once that
 * transaction has committed.
 *
 * Why: in WAL mode a commit appends every page it dirtied to the log, and a redeem's rows
 * dirty the same few b-tree pages as its neighbours'. Under load, one commit for the writes
 * of many concurrent requests writes those pages once instead of once per request
 * (bench/cases/redeem.ts measures it). Quiet traffic loses nothing: a lone write
 * commits at the end of its own turn, as before. better-sqlite3 has no such queue, and it
 * takes a dozen lines, so it is written here.
 *
 * A statement that throws usually fails its own caller only: SQLite rolls back that
 * statement, not the transaction. Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…)
 * roll back the whole transaction instead (https://sqlite.org/lang_transaction.html,
 * "Response To Errors Within A Transaction"), taking the earlier callers' writes with it;
 * the batch then stops there and every caller in it fails, so no caller is told its write
 * succeeded when it was undone, and no later write runs outside the transaction. A
 * transaction that cannot begin or commit (a lock held past the busy timeout, a closed
 * file) likewise fails every caller in it, and none of their writes happened.
 */
import type Database from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export type GroupCommit = <T>(run: () => T) => Promise<T>;

export function groupCommit(db: Database.Database): GroupCommit {
  let pending: Pending[] = [];
  const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
  // IMMEDIATE: take the write lock at BEGIN, so a busy database fails the batch before any
  // statement runs rather than between two of them.
  const commit = db.transaction((batch: Pending[]) => {
    outcomes.length = 0;
    for (const write of batch) {
      try {
        outcomes.push({ ok: true, value: write.run() });
      } catch (error) {
        // SQLite rolled back the whole transaction: what the batch wrote so far is gone, and
        // a further statement would autocommit on its own. Fail the whole batch.
        if (!db.inTransaction) throw error;
        outcomes.push({ ok: false, error });
      }
    }
  }).immediate;

  function flush(): void {
    const batch = pending;
    pending = [];
    try {
      commit(batch);
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) write.resolve(outcome.value);
      else write.reject(outcome?.error);
    });
  }

  return <T>(run: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
    });
}
