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
