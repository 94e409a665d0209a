/**
 * Runs one Vite build of this project (`vite.config.ts`: every page's client entry and the
 * pages for the server; `vite.server.config.ts`: the server) in a process of its own, as
 * `npm run build` does. A separate process keeps the build a production one: a caller's
 * NODE_ENV (vitest sets `test`) would pull in Solid's development build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface BuildOptions {
  /** Build the client and the pages here instead of dist/ (vite.config.ts only). */
  distDir?: string;
  /** Vite's `--sourcemap` (e.g. `hidden`: maps beside the files, not referenced by them). */
  sourcemap?: 'hidden';
}

export function viteBuild(
  config: 'vite.config.ts' | 'vite.server.config.ts',
  options: BuildOptions = {},
): void {
  const args = ['build', '-c', config, '--logLevel', 'warn'];
  if (options.sourcemap) args.push('--sourcemap', options.sourcemap);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  if (options.distDir) env.BATON_DIST_DIR = options.distDir;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), ...args], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
}
