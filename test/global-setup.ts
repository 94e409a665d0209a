/**
 * Builds the client once per test run into dist/client, the folder `npm start` serves,
 * for the tests that need the real pages (browser tests, server processes, bundle size).
 * A separate process, so the build is a production one: vitest's own NODE_ENV=test would
 * pull in Solid's development build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export function setup(): void {
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    },
  );
}
