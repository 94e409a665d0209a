/**
 * The client build that test/global-setup.ts made for this run, for tests that need the
 * real pages (browser tests, bundle size).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CLIENT_DIR = path.resolve(import.meta.dirname, '../../dist/client');

export interface ClientBuild {
  dir: string;
  template: string;
}

export function builtClient(): ClientBuild {
  return { dir: CLIENT_DIR, template: readFileSync(path.join(CLIENT_DIR, 'index.html'), 'utf8') };
}
