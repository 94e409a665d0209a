/**
 * Builds the client and the server once per test run into dist/client and dist/server, as
 * `npm start` does, for the tests that need the real pages or a real server process
 * (browser tests, server processes, bundle size).
 * A separate process, so the build is a production one: vitest's own NODE_ENV=test would
 * pull in Solid's development build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export function setup(): void {
  for (const config of ['vite.config.ts', 'vite.server.config.ts']) {
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '-c',
        config,
        '--logLevel',
        'warn',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production' },
        stdio: 'inherit',
      },
    );
  }
}
