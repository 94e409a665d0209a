import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESIGN_NOTES } from '../../bench/lib/design-notes.ts';
import { markdown } from '../../bench/lib/report.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const machine = {
  cpu: 'cpu',
  cores: 2,
  memory: '4 GB',
  os: 'linux',
  node: 'v20',
  date: '2026-12-03',
  load: '0',
};

describe('BENCHMARKS.md', () => {
  it('carries the figures behind the code, one row per note', () => {
    const text = markdown({
      results: [],
      machine,
      command: 'npm run bench',
      seconds: 60,
      chartFile: 'c.svg',
    });
    expect(text).toContain('## Figures behind the code');
    for (const note of DESIGN_NOTES) expect(text).toContain(`| \`${note.file}\` |`);
  });
});

describe('code comments', () => {
  it('quote no measured figures (they belong in BENCHMARKS.md)', () => {
    // grep exits 1 when nothing matches: that is the passing case.
    let found = '';
    try {
      found = execFileSync(
        'grep',
        [
          '-rnE',
          'measured by|[0-9] ?µs|ms per|about [0-9.]+ ?(bytes|KB|MB)|x the',
          'server',
          'client',
          'shared',
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
    } catch (error) {
      if ((error as { status?: number }).status !== 1) throw error;
    }
    expect(found).toBe('');
  });
});
