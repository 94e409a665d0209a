import { openRedisStore } from '../../server/store/redis.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/store.ts';
import type { StoreConfig } from './config.ts';

/** Opens the store a benchmark server runs on. */
export async function openBenchStore(config: StoreConfig): Promise<Store> {
  if (config.type === 'sqlite') return openSqliteStore({ file: config.file });
  const store = openRedisStore({ url: config.url, prefix: config.prefix });
  await store.ping();
  return store;
}
