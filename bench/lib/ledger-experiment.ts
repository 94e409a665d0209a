/**
 * A side measurement for the redeem benchmark: what a redeem's two SQLite writes (the ledger
 * row, then the session row) cost on the schema before and after migration 2, one commit per
 * write or group-committed, with random or time-ordered handoff ids and session refs, beside the baseline's
 * single session write. Each variant gets its own file with the store's migrations and
 * pragmas (WAL, synchronous=NORMAL), already holding a busy hour's rows (so its b-trees have
 * depth, as a live store's do), and runs interleaved with the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { newSessionId, sessionRef } from '../../server/session/session-id.ts';
import { MIGRATIONS, type Migration, migrate } from '../../server/store/migrations.ts';
import { interleave, median } from './stats.ts';

/** How many redeems share one commit in the group-committed variants. */
const GROUP = 4;
/** Rows each file starts with: sessions signed in and handoffs redeemed, a busy hour's worth. */
const PREFILL = { sessions: 20_000, handoffs: 5_000 };

export const LEDGER_VARIANTS = {
  schemaV1: 'schema 1 (rowid tables: three b-trees per row), one commit per write',
  schemaV2: 'schema 2 (keyed by id, ledger unindexed), one commit per write',
  grouped: `schema 3 (sessions also filed by account), the writes of ${GROUP} concurrent redeems in one commit (group commit), random handoff ids`,
  ordered: 'the same with time-ordered handoff ids',
  refs: 'the same with time-ordered handoff ids and session refs (what Baton writes)',
  baseline: "the baseline's write: one session upsert, one commit",
} as const;
export type LedgerVariant = keyof typeof LEDGER_VARIANTS;

/** What a koa-session write of a Baton session stores. */
const data = JSON.stringify({
  accountId: '6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f',
  signedInAt: 1,
  seenAt: 1,
  _expire: 2,
  _maxAge: 3,
});

interface Store {
  ledger: Database.Statement;
  session: Database.Statement;
  byAccount: boolean;
  /** Session refs that begin with the time (server/session/session-id.ts). */
  orderedRefs: boolean;
  group: (run: () => void) => void;
}

const sessionKey = () => createHash('sha256').update(randomBytes(32)).digest('base64url');
/** A session ref as Baton files them now (server/session/session-id.ts). */
const orderedSessionKey = () => sessionRef(newSessionId());
/** A handoff id as Baton drew them before: 128 random bits. */
const randomId = () => randomBytes(16).toString('base64url');
/** A handoff id as Baton draws them now (server/handoff/seal.ts): the time, then 96 random bits. */
const orderedId = () =>
  Date.now().toString(16).padStart(12, '0') + randomBytes(12).toString('base64url');

function writeSession(store: Store, accountId: string, at: number): void {
  const key = store.orderedRefs ? orderedSessionKey() : sessionKey();
  if (store.byAccount) store.session.run(key, data, at + 43_200_000, accountId);
  else store.session.run(key, data, at + 43_200_000);
}

/** Median wall-clock microseconds per redeem's writes, per variant. */
export async function ledgerExperiment(
  rounds: number,
  perRound: number,
  /** A fraction of the full prefill (the quick run's files start smaller). */
  prefillScale = 1,
): Promise<Record<LedgerVariant, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-ledger-'));
  const dbs: Database.Database[] = [];
  let accounts = 0;
  try {
    const open = (name: string, migrations: readonly Migration[], orderedRefs = false): Store => {
      const db = new Database(path.join(dir, `${name}.db`));
      dbs.push(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, migrations);
      const ledger = db.prepare(
        'INSERT INTO handoffs (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING',
      );
      // From schema 3 on, a session row also names its account (the baseline's has none).
      const byAccount = (migrations.at(-1)?.version ?? 0) >= 3;
      const session = byAccount
        ? db.prepare(
            `INSERT INTO sessions (key, data, expires_at, account_id) VALUES (?, ?, ?, ?)
             ON CONFLICT(key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
               account_id = excluded.account_id`,
          )
        : db.prepare(
            `INSERT INTO sessions (key, data, expires_at) VALUES (?, ?, ?)
             ON CONFLICT(key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
          );
      const group = db.transaction((run: () => void) => {
        for (let i = 0; i < GROUP; i++) run();
      });
      const store = { ledger, session, byAccount, orderedRefs, group };
      db.transaction(() => {
        const at = Date.now();
        for (let i = 0; i < PREFILL.sessions * prefillScale; i++)
          writeSession(store, `account-${i % 5000}`, at);
        for (let i = 0; i < PREFILL.handoffs * prefillScale; i++)
          ledger.run(randomId(), at + 60_000);
      })();
      return store;
    };
    const stores = {
      schemaV1: open('v1', [MIGRATIONS[0] as Migration]),
      schemaV2: open('v2', MIGRATIONS.slice(0, 2)),
      grouped: open('grouped', MIGRATIONS),
      ordered: open('ordered', MIGRATIONS),
      refs: open('refs', MIGRATIONS, true),
      baseline: open('baseline', MIGRATIONS),
    };

    const redeem = (store: Store, id: () => string) => {
      const at = Date.now();
      store.ledger.run(id(), at + 60_000);
      writeSession(store, `account-${accounts++ % 5000}`, at);
    };
    // Each returns how many redeems it wrote: the grouped variant writes GROUP per commit.
    const write: Record<LedgerVariant, () => number> = {
      schemaV1: () => {
        redeem(stores.schemaV1, randomId);
        return 1;
      },
      schemaV2: () => {
        redeem(stores.schemaV2, randomId);
        return 1;
      },
      grouped: () => {
        stores.grouped.group(() => redeem(stores.grouped, randomId));
        return GROUP;
      },
      ordered: () => {
        stores.ordered.group(() => redeem(stores.ordered, orderedId));
        return GROUP;
      },
      refs: () => {
        stores.refs.group(() => redeem(stores.refs, orderedId));
        return GROUP;
      },
      baseline: () => {
        stores.baseline.session.run(sessionKey(), data, Date.now() + 43_200_000, null);
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
