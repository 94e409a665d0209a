/**
 * A SQLite store for a test server, plus a second, read-only connection to the same file,
 * so a test can prove what an attack did not change: the sessions and the handoff ledger,
 * row for row. The Store interface deliberately has no "list everything"; this reads
 * the tables directly instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStore } from '../../server/store/sqlite.ts';

export interface SessionRow {
  key: string;
  data: string;
  expires_at: number;
}

export interface StoreSnapshot {
  sessions: SessionRow[];
  /** Redeemed handoff ids. */
  handoffs: Array<{ id: string; expires_at: number }>;
}

export interface InspectableStore {
  store: SqliteStore;
  /** Every session row and every ledger row, in a stable order. */
  snapshot(): StoreSnapshot;
  /** Closes both connections and deletes the file. */
  close(): Promise<void>;
}

export function openInspectableStore(): InspectableStore {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-security-'));
  const file = path.join(dir, 'baton.db');
  const store = openSqliteStore({ file });
  // Opened after the store has created and migrated the file; WAL lets it read beside the writer.
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  const sessions = reader.prepare<[], SessionRow>(
    'SELECT key, data, expires_at FROM sessions ORDER BY key',
  );
  const handoffs = reader.prepare<[], { id: string; expires_at: number }>(
    'SELECT id, expires_at FROM handoffs ORDER BY id',
  );
  return {
    store,
    snapshot: () => ({ sessions: sessions.all(), handoffs: handoffs.all() }),
    async close() {
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
