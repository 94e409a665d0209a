import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration, migrate } from '../../../server/store/migrations.ts';
import { openSqliteStore, type SqliteStore } from '../../../server/store/sqlite.ts';
import { describeStore } from './store-suite.ts';

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

/** A fresh folder under the OS temp dir, removed by `removeTempDir`. */
function makeTempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'baton-sqlite-'));
}

function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// The shared specification, once on a file (reopened for every test, so it also exercises
// reopening a migrated file) and once in memory.
// Two stores opened on the file are two connections to it, as two processes would be.
const suiteDir = makeTempDir();
describeStore(
  'sqlite (file)',
  ({ now }) => openSqliteStore({ file: path.join(suiteDir, 'suite.db'), now }),
  {
    cleanup: async () => removeTempDir(suiteDir),
    shared: true,
    // The file and its write-ahead log, byte for byte: whatever a copy of them would hold.
    contents: async () => {
      const file = path.join(suiteDir, 'suite.db');
      return Buffer.concat(
        [file, `${file}-wal`].filter((part) => existsSync(part)).map((part) => readFileSync(part)),
      );
    },
  },
);
describeStore('sqlite (:memory:)', ({ now }) => openSqliteStore({ file: ':memory:', now }));

describe('openSqliteStore', () => {
  const dir = makeTempDir();
  const opened: SqliteStore[] = [];
  const raw: Database.Database[] = [];

  /** Opens a store that is closed after the test. */
  function open(file: string, now?: () => number): SqliteStore {
    const store = openSqliteStore({ file, now });
    opened.push(store);
    return store;
  }

  /** A second, plain connection to look at the file from outside the store. */
  function inspect(file: string): Database.Database {
    const db = new Database(file);
    raw.push(db);
    return db;
  }

  function fileIn(...parts: string[]): string {
    return path.join(dir, ...parts, `${randomUUID()}.db`);
  }

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const db of raw.splice(0)) db.close();
  });

  afterAll(() => removeTempDir(dir));

  it('reports its kind as sqlite', () => {
    expect(open(':memory:').kind).toBe('sqlite');
  });

  it('creates the missing parent folders of the file', async () => {
    const file = fileIn('nested', 'deeper');

    await open(file).ping();

    expect(existsSync(file)).toBe(true);
  });

  it('runs the file in WAL mode', () => {
    const file = fileIn();
    open(file);

    expect(inspect(file).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('sets user_version to the newest migration', () => {
    const file = fileIn();
    open(file);

    expect(inspect(file).pragma('user_version', { simple: true })).toBe(LATEST);
  });

  it('keeps accounts, sessions and consumed handoffs when the file is reopened', async () => {
    const file = fileIn();
    const expiresAt = Date.now() + 60_000;
    const first = open(file);
    const account = await first.accounts.create('kept@example.test', 'hash-1');
    await first.sessions.set('session-1', { accountId: account?.id }, 60_000);
    expect(await first.handoffs.consume('handoff-1', expiresAt)).toBe(true);
    await first.close();

    const second = open(file);

    expect(await second.accounts.findByEmail('kept@example.test')).toEqual(account);
    expect(await second.sessions.get('session-1')).toEqual({ accountId: account?.id });
    expect(await second.handoffs.consume('handoff-1', expiresAt)).toBe(false);
  });

  it('refuses a database from the future, naming both versions', () => {
    const file = fileIn();
    open(file);
    inspect(file).pragma(`user_version = ${LATEST + 1}`);

    expect(() => openSqliteStore({ file })).toThrow(
      `${file} has schema version ${LATEST + 1}, newer than the newest this Baton knows (${LATEST}): run a newer Baton or point the store at another file`,
    );
  });

  it('closes twice without error and refuses queries once closed', async () => {
    const store = open(':memory:');

    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.ping()).rejects.toThrow('The database connection is not open');
  });

  describe('sweepExpired', () => {
    it('deletes expired sessions and handoffs and keeps live ones', async () => {
      const file = fileIn();
      let clock = 1_000_000;
      const store = open(file, () => clock);
      await store.sessions.set('expiring', { n: 1 }, 100);
      await store.sessions.set('live', { n: 2 }, 10_000);
      expect(await store.handoffs.consume('expiring', clock + 100)).toBe(true);
      expect(await store.handoffs.consume('live', clock + 10_000)).toBe(true);

      clock += 100;

      expect(await store.sweepExpired()).toBe(2);
      expect(await store.sweepExpired()).toBe(0);
      const db = inspect(file);
      expect(db.prepare('SELECT key FROM sessions').pluck().all()).toEqual(['live']);
      expect(db.prepare('SELECT id FROM handoffs').pluck().all()).toEqual(['live']);
      expect(await store.sessions.get('live')).toEqual({ n: 2 });
      expect(await store.handoffs.consume('live', clock + 9_900)).toBe(false);
    });

    it('leaves expired rows to the sweep: a read sees them as missing and writes nothing', async () => {
      const file = fileIn();
      let clock = 1_000_000;
      const store = open(file, () => clock);
      await store.sessions.set('expiring', { n: 1 }, 100);

      clock += 100;

      expect(await store.sessions.get('expiring')).toBeNull();
      const db = inspect(file);
      expect(db.prepare('SELECT key FROM sessions').pluck().all()).toEqual(['expiring']);
      expect(await store.sweepExpired()).toBe(1);
      expect(db.prepare('SELECT key FROM sessions').pluck().all()).toEqual([]);
    });

    it('keeps accounts, which never expire', async () => {
      let clock = 1_000_000;
      const store = open(':memory:', () => clock);
      const account = await store.accounts.create('stays@example.test', 'hash');

      clock += 365 * 24 * 60 * 60 * 1000;

      expect(await store.sweepExpired()).toBe(0);
      expect(await store.accounts.findById(account?.id ?? 'missing')).toEqual(account);
    });
  });

  it('lets exactly one of two connections to one file win each of 50 ids', async () => {
    const file = fileIn();
    const a = open(file);
    const b = open(file);
    const expiresAt = Date.now() + 60_000;
    const ids = Array.from({ length: 50 }, () => randomUUID());

    const results = await Promise.all(
      ids.map(async (id, i) => {
        // Alternate which connection asks first, so each wins some ids.
        const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
        const won = await Promise.all([
          first.handoffs.consume(id, expiresAt),
          second.handoffs.consume(id, expiresAt),
        ]);
        return won.filter(Boolean).length;
      }),
    );

    expect(results).toEqual(ids.map(() => 1));
  });

  it('lets exactly one of four worker threads win each of 200 ids', async () => {
    // better-sqlite3 is synchronous, so connections in one thread never truly overlap;
    // threads do, and contend for SQLite's file locks exactly as separate processes would.
    const file = fileIn();
    open(file);
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const expiresAt = Date.now() + 60_000;

    const perWorker = await raceInWorkers(4, { file, ids, expiresAt });

    const winners = ids.map((_, i) => perWorker.filter((won) => won[i] === true).length);
    expect(winners).toEqual(ids.map(() => 1));
  });
});

describe('migrate', () => {
  const extra: Migration = {
    version: 2,
    name: 'a test table',
    up: 'CREATE TABLE extra (id INTEGER PRIMARY KEY);',
  };
  const dbs: Database.Database[] = [];

  function memory(): Database.Database {
    const db = new Database(':memory:');
    dbs.push(db);
    return db;
  }

  function tables(db: Database.Database): string[] {
    return db
      .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
  }

  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
  });

  it('applies every migration to an empty database', () => {
    const db = memory();

    expect(migrate(db)).toEqual(MIGRATIONS);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
    expect(tables(db)).toEqual([
      'accounts',
      'handoffs',
      'known_devices',
      'mailbox',
      'passkey_challenges',
      'passkeys',
      'recovery_codes',
      'sessions',
      'tokens',
      'two_factor',
    ]);
  });

  it('applies nothing to a database that is already current', () => {
    const db = memory();
    migrate(db);

    expect(migrate(db)).toEqual([]);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
  });

  it('applies only the migrations newer than the database', () => {
    const db = memory();
    migrate(db, [MIGRATIONS[0] as Migration]);

    expect(migrate(db, [MIGRATIONS[0] as Migration, extra])).toEqual([extra]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(tables(db)).toEqual(['accounts', 'extra', 'handoffs', 'sessions']);
  });

  it('keeps every session and ledger row when a version 1 file is upgraded, filing sessions by account', () => {
    const db = memory();
    migrate(db, [MIGRATIONS[0] as Migration]);
    db.prepare('INSERT INTO sessions VALUES (\'ref-1\', \'{"accountId":"a"}\', 100)').run();
    db.prepare("INSERT INTO sessions VALUES ('ref-2', '{\"n\":1}', 100)").run();
    db.prepare("INSERT INTO sessions VALUES ('ref-3', 'not json', 100)").run();
    db.prepare("INSERT INTO handoffs VALUES ('handoff-1', 200)").run();

    expect(migrate(db)).toEqual(MIGRATIONS.slice(1));
    expect(
      db.prepare('SELECT key, data, expires_at, account_id FROM sessions ORDER BY key').all(),
    ).toEqual([
      { key: 'ref-1', data: '{"accountId":"a"}', expires_at: 100, account_id: 'a' },
      { key: 'ref-2', data: '{"n":1}', expires_at: 100, account_id: null },
      { key: 'ref-3', data: 'not json', expires_at: 100, account_id: null },
    ]);
    expect(db.prepare('SELECT id, expires_at FROM handoffs').all()).toEqual([
      { id: 'handoff-1', expires_at: 200 },
    ]);
    expect(
      db.prepare("INSERT INTO handoffs VALUES ('handoff-1', 300) ON CONFLICT DO NOTHING").run()
        .changes,
    ).toBe(0);
  });

  it('starts the accounts of a version 3 file at credential version 0', async () => {
    const db = memory();
    migrate(db, MIGRATIONS.slice(0, 3));
    db.prepare("INSERT INTO accounts VALUES ('a', 'a@example.com', 'hash', 1)").run();

    expect(migrate(db)).toEqual(MIGRATIONS.slice(3));
    expect(db.prepare('SELECT id, password_hash, credential_version FROM accounts').all()).toEqual([
      { id: 'a', password_hash: 'hash', credential_version: 0 },
    ]);
  });

  it('starts the accounts of a version 6 file unconfirmed (version 7)', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'baton.db');
    const db = new Database(file);
    migrate(db, MIGRATIONS.slice(0, 6));
    db.prepare("INSERT INTO accounts VALUES ('a', 'old@example.com', 'hash', 1, 0)").run();
    db.close();

    const store = openSqliteStore({ file });
    try {
      expect(await store.accounts.findById('a')).toEqual({
        id: 'a',
        email: 'old@example.com',
        passwordHash: 'hash',
        createdAt: 1,
        credentialVersion: 0,
        emailConfirmedAt: null,
      });
      expect(await store.accounts.confirmEmail('a', 'old@example.com', 5)).toBe(true);
      expect((await store.accounts.findById('a'))?.emailConfirmedAt).toBe(5);
    } finally {
      await store.close();
      removeTempDir(dir);
    }
  });

  it("deletes an account's second factors with the account row (version 5)", () => {
    const db = memory();
    db.pragma('foreign_keys = ON');
    migrate(db);
    db.prepare(
      "INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('a', 'a@x', 'h', 1)",
    ).run();
    db.prepare("INSERT INTO two_factor (account_id, secret) VALUES ('a', 'sealed')").run();
    db.prepare("INSERT INTO recovery_codes VALUES ('a', 'hash')").run();
    db.prepare("INSERT INTO passkeys VALUES ('cred', 'a', x'01', 0, '[]', 'Key', 1, NULL)").run();

    db.prepare("DELETE FROM accounts WHERE id = 'a'").run();

    for (const table of ['two_factor', 'recovery_codes', 'passkeys']) {
      expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    }
  });

  it('rolls a failing migration back whole, keeping the ones before it', () => {
    const db = memory();
    const broken: Migration = {
      version: 2,
      name: 'half valid',
      up: 'CREATE TABLE half (id INTEGER); CREATE TABLE broken (;',
    };

    expect(() => migrate(db, [MIGRATIONS[0] as Migration, broken])).toThrow(/syntax error/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).toEqual(['accounts', 'handoffs', 'sessions']);
  });

  it('refuses a database newer than the newest migration, naming both versions', () => {
    const db = memory();
    db.pragma('user_version = 7');

    expect(() => migrate(db, [MIGRATIONS[0] as Migration])).toThrow(
      ':memory: has schema version 7, newer than the newest this Baton knows (1): run a newer Baton or point the store at another file',
    );
    expect(tables(db)).toEqual([]);
  });

  it('gives the refusal the code store.schema-too-new', () => {
    const db = memory();
    db.pragma('user_version = 7');

    expect(() => migrate(db, [MIGRATIONS[0] as Migration])).toThrow(
      expect.objectContaining({ code: 'store.schema-too-new', fileVersion: 7, knownVersion: 1 }),
    );
  });

  it('refuses a migration list whose versions are not consecutive', () => {
    const db = memory();

    expect(() => migrate(db, [MIGRATIONS[0] as Migration, { ...extra, version: 3 }])).toThrow(
      'Migration "a test table" must have version 2 (received 3)',
    );
    expect(db.pragma('user_version', { simple: true })).toBe(0);
  });
});

/**
 * Starts `count` worker threads that each open the store on `file`, wait until all are
 * ready, then consume every id in order; resolves with each worker's results.
 */
async function raceInWorkers(
  count: number,
  race: { file: string; ids: string[]; expiresAt: number },
): Promise<boolean[][]> {
  const workerData = {
    ...race,
    // Workers start without vitest's TypeScript transform; tsx provides one.
    tsx: import.meta.resolve('tsx/esm/api'),
    store: new URL('../../../server/store/sqlite.ts', import.meta.url).href,
  };
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      (await import(workerData.tsx)).register();
      const { openSqliteStore } = await import(workerData.store);
      const store = openSqliteStore({ file: workerData.file });
      parentPort.postMessage('ready');
      await new Promise((resolve) => parentPort.once('message', resolve));
      const won = [];
      for (const id of workerData.ids) {
        won.push(await store.handoffs.consume(id, workerData.expiresAt));
      }
      await store.close();
      parentPort.postMessage(won);
    })();
  `;
  const workers = Array.from({ length: count }, () => {
    return new Worker(source, { eval: true, workerData });
  });
  try {
    const message = (worker: Worker) =>
      new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    await Promise.all(workers.map(message));
    const results = Promise.all(workers.map(message));
    // Released together so that their consumes overlap.
    for (const worker of workers) worker.postMessage('go');
    return (await results) as boolean[][];
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
