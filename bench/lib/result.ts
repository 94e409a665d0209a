/**
 * What each benchmark hands back: rows comparing Baton with a baseline, each with a ratio
 * (median of the per-round ratios, with their range), a target and a verdict, plus the
 * Markdown that explains the method and, for a miss, what limits it.
 */
import type { Summary } from './stats.ts';

/**
 * `met` when the worse end of the range meets the target, `missed` when even the better end
 * misses it, `unclear` when the range straddles it, `reported` when there is no target.
 */
export type Verdict = 'met' | 'missed' | 'unclear' | 'reported';

/**
 * The fewest paired rounds a verdict is given on. With fewer (the quick mode), the verdict is
 * still computed but marked indicative.
 */
export const MIN_ROUNDS = 5;

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
  /**
   * True when the verdict rests on fewer than MIN_ROUNDS rounds and the figure is not exact
   * (a measured size is the same every round), so it is printed as indicative only.
   */
  indicative: boolean;
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

/**
 * The verdict for a ratio measured over several rounds: judged on the range, not the median,
 * so that a run whose rounds disagree says so instead of calling the median's side.
 */
export function verdictFor(ratio: Pick<Summary, 'min' | 'max'>, target: Target | null): Verdict {
  if (!target) return 'reported';
  const meets = (v: number) =>
    target.direction === 'at-least' ? v >= target.value : v <= target.value;
  const worse = target.direction === 'at-least' ? ratio.min : ratio.max;
  const better = target.direction === 'at-least' ? ratio.max : ratio.min;
  if (meets(worse)) return 'met';
  if (!meets(better)) return 'missed';
  return 'unclear';
}

/**
 * Builds a row, deciding its verdict from the range of its rounds. `exact`: the figure is
 * the same every time it is measured (a bundle size), so one round is enough.
 */
export function row(fields: Omit<Row, 'verdict' | 'indicative'> & { exact?: boolean }): Row {
  const { exact = false, ...rest } = fields;
  return {
    ...rest,
    verdict: verdictFor(rest.ratio, rest.target),
    indicative: rest.target !== null && !exact && rest.ratio.rounds.length < MIN_ROUNDS,
  };
}

/** The verdict as printed: `met`, or `met (indicative, 2 rounds)` below MIN_ROUNDS. */
export function verdictText(row: Row): string {
  if (!row.indicative) return row.verdict;
  const n = row.ratio.rounds.length;
  return `${row.verdict} (indicative, ${n} round${n === 1 ? '' : 's'})`;
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
