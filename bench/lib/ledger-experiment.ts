/**
 * A side measurement for the redeem benchmark: what a redeem's two SQLite writes (the ledger
 * row, then the session row) cost on the schema before and after migration 2, one commit per
 * write or group-committed, beside the baseline's single session write. Each variant gets its
 * own file with the store's migrations and pragmas (WAL, synchronous=NORMAL), and runs
 * interleaved with the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration, migrate } from '../../server/store/migrations.ts';
import { interleave, median } from './stats.ts';

/** How many redeems share one commit in the group-committed variant. */
const GROUP = 4;

export const LEDGER_VARIANTS = {
  schemaV1: 'schema 1 (rowid tables: three b-trees per row), one commit per write',
  schemaV2: 'schema 2 (keyed by id, ledger unindexed), one commit per write',
  grouped: `schema 2, the writes of ${GROUP} concurrent redeems in one commit (group commit)`,
  baseline: "the baseline's write: one session upsert on schema 2, one commit",
} as const;
export type LedgerVariant = keyof typeof LEDGER_VARIANTS;

/** Median wall-clock microseconds per redeem's writes, per variant. */
export async function ledgerExperiment(
  rounds: number,
  perRound: number,
): Promise<Record<LedgerVariant, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-ledger-'));
  const dbs: Database.Database[] = [];
  try {
    const open = (name: string, migrations: readonly Migration[]) => {
      const db = new Database(path.join(dir, `${name}.db`));
      dbs.push(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, migrations);
      const ledger = db.prepare(
        'INSERT INTO handoffs (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING',
      );
      const session = db.prepare(
        `INSERT INTO sessions (key, data, expires_at) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
      );
      const group = db.transaction((run: () => void) => {
        for (let i = 0; i < GROUP; i++) run();
      });
      return { ledger, session, group };
    };
    const stores = {
      schemaV1: open('v1', [MIGRATIONS[0] as Migration]),
      schemaV2: open('v2', MIGRATIONS),
      grouped: open('grouped', MIGRATIONS),
      baseline: open('baseline', MIGRATIONS),
    };
    const data = JSON.stringify({
      accountId: '6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f',
      signedInAt: 1,
      seenAt: 1,
      _expire: 2,
      _maxAge: 3,
    });
    const key = () => createHash('sha256').update(randomBytes(32)).digest('base64url');
    const redeem = (store: { ledger: Database.Statement; session: Database.Statement }) => {
      const at = Date.now();
      store.ledger.run(randomBytes(16).toString('base64url'), at + 60_000);
      store.session.run(key(), data, at + 43_200_000);
    };
    // Each returns how many redeems it wrote: the grouped variant writes GROUP per commit.
    const write: Record<LedgerVariant, () => number> = {
      schemaV1: () => {
        redeem(stores.schemaV1);
        return 1;
      },
      schemaV2: () => {
        redeem(stores.schemaV2);
        return 1;
      },
      grouped: () => {
        stores.grouped.group(() => redeem(stores.grouped));
        return GROUP;
      },
      baseline: () => {
        stores.baseline.session.run(key(), data, Date.now() + 43_200_000);
        return 1;
      },
    };
    const variants = Object.keys(LEDGER_VARIANTS) as LedgerVariant[];
    for (const v of variants) for (let i = 0; i < 500; i++) write[v]();
    const results = await interleave(rounds, variants, (variant) => {
      const started = performance.now();
      let redeems = 0;
      while (redeems < perRound) redeems += write[variant]();
      return ((performance.now() - started) * 1000) / redeems;
    });
    return Object.fromEntries(variants.map((v) => [v, median(results[v])])) as Record<
      LedgerVariant,
      number
    >;
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
