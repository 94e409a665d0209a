/**
 * Builds the client once per test file into a temporary folder, for tests that need the
 * real page (browser tests, bundle size).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';

export interface ClientBuild {
  dir: string;
  template: string;
}

export async function buildClient(): Promise<ClientBuild> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-client-'));
  await build({
    configFile: path.resolve(import.meta.dirname, '../../vite.config.ts'),
    build: { outDir: dir, emptyOutDir: true },
    logLevel: 'warn',
  });
  return { dir, template: readFileSync(path.join(dir, 'index.html'), 'utf8') };
}
