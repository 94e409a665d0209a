/**
 * Starts a real Baton in-process on port 0, on a fresh SQLite file, with cheap argon2
 * parameters and password-check caps out of the way (hashing and load shedding are not what
 * these tests measure; test/server/accounts/ and test/security/ set their own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Baton, type BatonOptions, createBaton } from '../../server/app.ts';
import { createLogger, type Logger } from '../../server/logger.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/store.ts';
import { builtPages } from './build-client.ts';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-baton-0001';
export const CHEAP_ARGON2 = Object.freeze({ memoryCost: 64, timeCost: 1, parallelism: 1 });
/** Many sign-ins at once from one test client (127.0.0.1) are not a flood here. */
export const ROOMY_PASSWORD_CHECKS = Object.freeze({
  perIp: 10_000,
  perAccount: 10_000,
  queueLimit: 100_000,
});

export interface RunningServer {
  baton: Baton;
  store: Store;
  url: string;
  origin: string;
  logger: Logger;
  stop(): Promise<void>;
}

export async function startServer(overrides: Partial<BatonOptions> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-test-'));
  // The store decides expiry by the same clock as the app (BatonOptions.now).
  const store =
    overrides.store ?? openSqliteStore({ file: path.join(dir, 'baton.db'), now: overrides.now });
  const logger = overrides.logger ?? createLogger({ level: 'silent' });
  // The origin is only known once listening; the door reads the list on each upgrade.
  const origins: string[] = [];
  const baton = await createBaton({
    store,
    secrets: [TEST_SECRET],
    origins,
    handoffTtlSeconds: 60,
    renderPage: overrides.renderPage ?? (await builtPages()),
    logger,
    argon2: CHEAP_ARGON2,
    passwordChecks: ROOMY_PASSWORD_CHECKS,
    ...overrides,
  });
  const address = await baton.listen(0);
  const url = `http://127.0.0.1:${address.port}`;
  if (!overrides.origins) origins.push(url);
  return {
    baton,
    store,
    url,
    origin: url,
    logger,
    async stop() {
      await baton.close();
      if (!overrides.store) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
