/**
 * What each benchmark hands back: rows comparing Baton with a baseline, each with a ratio
 * (median of the per-round ratios, with their range), a target and a verdict, plus the
 * Markdown that explains the method and, for a miss, what limits it.
 */
import type { Summary } from './stats.ts';

export type Verdict = 'met' | 'missed' | 'reported';

export interface Target {
  /** `at-least`: the ratio must be this or more; `at-most`: this or less. */
  direction: 'at-least' | 'at-most';
  value: number;
}

export interface Row {
  /** What is compared, e.g. `seal+open ops/s`. */
  subject: string;
  /** The baseline it is compared with. */
  baseline: string;
  /** Baton's figure, formatted (median and range). */
  batonFigure: string;
  /** The baseline's figure, formatted. */
  baselineFigure: string;
  /** Baton / baseline per round (or an absolute figure for a budget), median and range. */
  ratio: Summary;
  /** `x` for ratios; anything else is an absolute unit (the bundle budget in KB). */
  unit: string;
  target: Target | null;
  verdict: Verdict;
}

export interface BenchResult {
  id: string;
  title: string;
  rows: Row[];
  /** Markdown: how it was measured. */
  method: string;
  /** Markdown blocks: the per-variant figures, profiles, breakdowns. */
  details: string[];
  /** Markdown: what limits the figures; required for every missed row. */
  limits: string[];
  /** Why it did not run, when it could not. */
  skipped?: string;
  /** The crash, when it crashed. */
  error?: string;
  seconds: number;
}

export function verdictFor(value: number, target: Target | null): Verdict {
  if (!target) return 'reported';
  const met = target.direction === 'at-least' ? value >= target.value : value <= target.value;
  return met ? 'met' : 'missed';
}

/** Builds a row, deciding its verdict from the median. */
export function row(fields: Omit<Row, 'verdict'>): Row {
  return { ...fields, verdict: verdictFor(fields.ratio.median, fields.target) };
}

const trim = (n: number, digits: number) => {
  const text = n.toFixed(digits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
};

/** 41,234 -> `41.2k`; 950 -> `950`. */
export function count(n: number): string {
  if (n >= 1e6) return `${trim(n / 1e6, 2)}M`;
  if (n >= 1e4) return `${trim(n / 1e3, 1)}k`;
  if (n >= 1e3) return `${trim(n / 1e3, 2)}k`;
  return trim(n, n >= 100 ? 0 : 1);
}

/** Milliseconds as `0.142 ms` or `12.3 ms`. */
export function ms(n: number): string {
  if (n < 1) return `${trim(n * 1000, 0)} µs`;
  if (n < 10) return `${trim(n, 2)} ms`;
  return `${trim(n, 1)} ms`;
}

export function bytes(n: number): string {
  if (Math.abs(n) >= 1024 * 1024) return `${trim(n / 1024 / 1024, 1)} MB`;
  if (Math.abs(n) >= 1024) return `${trim(n / 1024, 2)} KB`;
  return `${Math.round(n)} B`;
}

/** `41.2k (39.8k–42.0k)`: the median and the range of the rounds. */
export function figure(summary: Summary, format: (n: number) => string, suffix = ''): string {
  if (summary.rounds.length < 2 || summary.min === summary.max) {
    return `${format(summary.median)}${suffix}`;
  }
  return `${format(summary.median)}${suffix} (${format(summary.min)}–${format(summary.max)})`;
}

export function ratioText(row: Row): string {
  const unit = row.unit === 'x' ? 'x' : ` ${row.unit}`;
  const f = (n: number) => (n >= 10 ? trim(n, 1) : trim(n, 2));
  if (row.ratio.rounds.length < 2 || row.ratio.min === row.ratio.max) {
    return `${f(row.ratio.median)}${unit}`;
  }
  return `${f(row.ratio.median)}${unit} (${f(row.ratio.min)}–${f(row.ratio.max)})`;
}

export function targetText(target: Target | null, unit: string): string {
  if (!target) return '—';
  const sign = target.direction === 'at-least' ? '≥' : '≤';
  return unit === 'x' ? `${sign} ${target.value}x` : `${sign} ${target.value} ${unit}`;
}
