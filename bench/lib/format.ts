/**
 * Generated Markdown (BENCHMARKS.md, the soak records) is printed the way the formatter CI
 * runs would print it, so a freshly written file passes `biome check`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Formats `file` in place with the project's Biome under `root`; a root without it (a test's
 * scratch folder) keeps the file as written.
 */
export function formatLikeCi(root: string, file: string): void {
  const biome = path.join(root, 'node_modules/.bin/biome');
  if (existsSync(biome))
    execFileSync(biome, ['format', '--write', file], { cwd: root, stdio: 'ignore' });
}
