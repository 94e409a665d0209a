/**
 * A soak run's record for BENCHMARKS.md: a full-length `npm run soak` (the default length,
 * at its mode's default number of browsers, not interrupted) writes its figures to
 * bench/soak/<mode>.md, and `npm run bench` puts the latest record of each mode in its report.
 * The soak runs on its own (a minute of two instances and Redis under load), so its figures
 * come from a separate run; the record says when, where and at which commit it was made.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatLikeCi } from '../../bench/lib/format.ts';
import type { Machine } from '../../bench/lib/machine.ts';
import { type SoakFigures, soakFailures, soakTargets } from './figures.ts';

export type SoakMode = 'normal' | 'overload';

/** Where each mode's record lives, relative to the repository root. */
export const SOAK_RECORDS: Readonly<Record<SoakMode, string>> = {
  normal: 'bench/soak/normal.md',
  overload: 'bench/soak/overload.md',
};

/** The run a record is written for: the default length, and its mode's default browsers. */
export function isRecordedRun(
  run: { seconds: number; browsers: number; overload: boolean },
  defaults: { seconds: number; browsers: number },
): boolean {
  return run.seconds === defaults.seconds && run.browsers === defaults.browsers;
}

const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;

/** The record as markdown: what ran, the targets by the windows' range, the counts, memory. */
export function soakRecord(
  figures: SoakFigures,
  context: { machine: Machine; commit: string; command: string },
): string {
  const { machine } = context;
  const failures = soakFailures(figures);
  const out = [
    `\`${context.command}\`: ${figures.browsers} simulated browsers for ${figures.seconds} s ` +
      `(then ${figures.drainSeconds} s for the sign-ins in flight to finish), two instances on ` +
      `Redis; at commit ${context.commit}, ${machine.date}, on ${machine.cpu} × ${machine.cores} cores, ` +
      `load average at start ${machine.load}. Result: **${failures.length === 0 ? 'pass' : 'fail'}**` +
      (failures.length === 0 ? '.' : ` (${failures.join('; ')}).`),
    '',
    row(['target', 'whole run', 'range over the 5 windows', 'verdict']),
    row(['---', '---:', '---:', '---']),
  ];
  for (const target of soakTargets(figures)) {
    const range = target.range ? `${target.range.min}–${target.range.max}` : 'none';
    out.push(row([target.name.replace(/^target /, ''), target.value, range, target.verdict]));
  }
  const answered = figures.signIns + figures.busy + figures.formSignIns;
  out.push(
    '',
    row(['count', 'figure']),
    row(['---', '---:']),
    row(['sign-in attempts answered (a sign-in or busy)', answered]),
    row(['sign-ins redeemed (live form)', figures.signIns]),
    row(['sign-ins without JavaScript', figures.formSignIns]),
    row(['busy answers', figures.busy]),
    row(['replayed handoffs refused', figures.replaysRefused]),
    row(['errors / 5xx', `${figures.errors} / ${figures.fiveXx}`]),
    row(['double redemptions', figures.doubleRedemptions]),
    row(['sessions lost', figures.sessionsLost]),
    row(['sessions alive after sign-out', figures.aliveAfterSignOut]),
    row(['p50 / p99 submit (ms)', `${figures.latency.submit.p50} / ${figures.latency.submit.p99}`]),
    row(['p50 / p99 answer (ms)', `${figures.latency.answer.p50} / ${figures.latency.answer.p99}`]),
  );
  for (const instance of figures.instances) {
    out.push(
      row([
        `instance ${instance.name} RSS start / peak / end (MB)`,
        `${instance.rssStartMb} / ${instance.rssPeakMb} / ${instance.rssEndMb}`,
      ]),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Writes `record` as `mode`'s record under `root`; returns the path written. */
export function writeSoakRecord(root: string, mode: SoakMode, record: string): string {
  const file = path.join(root, SOAK_RECORDS[mode]);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, record);
  formatLikeCi(root, file);
  return file;
}

/** The short commit the checkout is at, with `+` when it has uncommitted changes. */
export function currentCommit(root: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  try {
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain') ? '+' : '');
  } catch {
    return 'unknown';
  }
}
