import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { groupCommit } from '../../../server/store/group-commit.ts';

describe('groupCommit', () => {
  const dbs: Database.Database[] = [];
  function table(): { db: Database.Database; insert: Database.Statement<[string]> } {
    const db = new Database(':memory:');
    dbs.push(db);
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
    return { db, insert: db.prepare<[string]>('INSERT INTO t (id) VALUES (?)') };
  }
  afterEach(() => {
    for (const db of dbs.splice(0)) if (db.open) db.close();
  });

  it('commits the writes of one turn in one transaction, each caller getting its own result', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-group-commit-'));
    try {
      const file = path.join(dir, 'group.db');
      const db = new Database(file);
      dbs.push(db);
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
      const insert = db.prepare<[string]>('INSERT INTO t (id) VALUES (?)');
      const reader = new Database(file, { readonly: true });
      dbs.push(reader);
      const count = (conn: Database.Database) =>
        conn.prepare('SELECT count(*) FROM t').pluck().get() as number;
      const write = groupCommit(db);
      // As each write runs: rows the writer sees, and rows committed (what another connection sees).
      const seen: Array<[number, number]> = [];

      const results = await Promise.all(
        ['a', 'b', 'c'].map((id) =>
          write(() => {
            const changes = insert.run(id).changes;
            seen.push([count(db), count(reader)]);
            return changes;
          }),
        ),
      );

      expect(results).toEqual([1, 1, 1]);
      expect(seen).toEqual([
        [1, 0],
        [2, 0],
        [3, 0],
      ]);
      expect(count(reader)).toBe(3);
    } finally {
      for (const db of dbs.splice(0)) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails only the caller whose statement throws, and keeps the others', async () => {
    const { db, insert } = table();
    const write = groupCommit(db);

    const outcomes = await Promise.allSettled([
      write(() => insert.run('x').changes),
      write(() => insert.run('x').changes),
      write(() => insert.run('y').changes),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('UNIQUE constraint');
    expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual(['x', 'y']);
  });

  it('settles a write asked for after a flush in its own, later transaction', async () => {
    const { db, insert } = table();
    const write = groupCommit(db);

    expect(await write(() => insert.run('first').changes)).toBe(1);
    expect(await write(() => insert.run('second').changes)).toBe(1);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
  });

  it('fails every caller of a batch that cannot begin, and runs none of their writes', async () => {
    const { db, insert } = table();
    const write = groupCommit(db);
    let ran = 0;
    const pending = [
      write(() => {
        ran++;
        return insert.run('p');
      }),
      write(() => {
        ran++;
        return insert.run('q');
      }),
    ];
    db.close();

    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(ran).toBe(0);
  });
});

describe('groupCommit when a statement rolls back the whole transaction', () => {
  it('fails every caller of the batch, keeps none of their writes and runs none after it', async () => {
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v BLOB)');
      // Room for a few small rows only: a large one hits SQLITE_FULL, which SQLite answers
      // by rolling back the whole transaction, not just the statement.
      db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 2}`);
      const insert = db.prepare<[string, Buffer]>('INSERT INTO t (id, v) VALUES (?, ?)');
      const write = groupCommit(db);
      const ran: string[] = [];
      const put = (id: string, bytes: number) =>
        write(() => {
          ran.push(id);
          return insert.run(id, Buffer.alloc(bytes)).changes;
        });

      const outcomes = await Promise.allSettled([put('a', 10), put('big', 100_000), put('c', 10)]);

      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const outcome of outcomes)
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_FULL' });
      expect(ran).toEqual(['a', 'big']);
      expect(db.prepare('SELECT id FROM t').pluck().all()).toEqual([]);
      expect(db.inTransaction).toBe(false);

      // The next batch starts a transaction of its own and commits.
      expect(await put('d', 10)).toBe(1);
      expect(db.prepare('SELECT id FROM t').pluck().all()).toEqual(['d']);
    } finally {
      db.close();
    }
  });
});
