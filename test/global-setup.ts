/**
 * Builds the client once per test run into dist/client, the folder `npm start` serves,
 * for the tests that need the real pages (browser tests, server processes, bundle size).
 */
import path from 'node:path';
import { build } from 'vite';

export async function setup(): Promise<void> {
  await build({
    configFile: path.resolve(import.meta.dirname, '../vite.config.ts'),
    logLevel: 'warn',
  });
}
