/** Opens the store a `STORE_URL` names. */
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) return openSqliteStore({ file: url.slice('sqlite:'.length) });
  throw new Error(`STORE_URL ${url.split(':')[0]}: is not supported yet (supported: sqlite:<file>)`);
}
