/**
 * Runs one Vite build of this project (`vite.config.ts`: the client; `vite.server.config.ts`:
 * the server) in a process of its own, as `npm run build` does. A separate process keeps the
 * build a production one: a caller's NODE_ENV (vitest sets `test`) would pull in Solid's
 * development build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export function viteBuild(config: 'vite.config.ts' | 'vite.server.config.ts'): void {
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', config, '--logLevel', 'warn'],
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'inherit' },
  );
}
