import { describe, expect, it } from 'vitest';
import { missLines, terminalTable } from '../../bench/lib/report.ts';
import {
  type BenchResult,
  MIN_ROUNDS,
  row,
  type Target,
  verdictFor,
  verdictText,
} from '../../bench/lib/result.ts';
import { summarize } from '../../bench/lib/stats.ts';

const atLeast = { direction: 'at-least', value: 0.8 } as const;
const atMost = { direction: 'at-most', value: 1.5 } as const;

/** A row with a ratio measured over `rounds`. */
function ratioRow(rounds: number[], target: Target = atLeast, exact = false) {
  return row({
    subject: 'req/s',
    baseline: 'koa',
    batonFigure: '1',
    baselineFigure: '1',
    ratio: summarize(rounds),
    unit: 'x',
    target,
    exact,
  });
}

describe('verdictFor', () => {
  it('is met when the worse end of the range meets an at-least target', () => {
    expect(verdictFor({ min: 0.8, max: 1.1 }, atLeast)).toBe('met');
  });

  it('is missed when even the better end misses an at-least target', () => {
    expect(verdictFor({ min: 0.5, max: 0.79 }, atLeast)).toBe('missed');
  });

  it('is unclear when the range straddles an at-least target, whatever the median', () => {
    expect(verdictFor({ min: 0.79, max: 2 }, atLeast)).toBe('unclear');
    expect(ratioRow([0.79, 0.95, 0.96, 0.97, 0.98]).verdict).toBe('unclear');
  });

  it('reads an at-most target from the other end: the highest round is the worse', () => {
    expect(verdictFor({ min: 1.0, max: 1.5 }, atMost)).toBe('met');
    expect(verdictFor({ min: 1.51, max: 3 }, atMost)).toBe('missed');
    expect(verdictFor({ min: 1.2, max: 1.6 }, atMost)).toBe('unclear');
  });

  it('reports a row without a target', () => {
    expect(verdictFor({ min: 0, max: 100 }, null)).toBe('reported');
  });
});

describe('row', () => {
  it(`marks a verdict on fewer than ${MIN_ROUNDS} rounds as indicative`, () => {
    const quick = ratioRow([0.9, 1.0]);
    expect(quick.verdict).toBe('met');
    expect(quick.indicative).toBe(true);
    expect(verdictText(quick)).toBe('met (indicative, 2 rounds)');
  });

  it(`gives a plain verdict on ${MIN_ROUNDS} paired rounds`, () => {
    const full = ratioRow([0.9, 1.0, 0.95, 0.85, 1.1]);
    expect(full.indicative).toBe(false);
    expect(verdictText(full)).toBe('met');
  });

  it('gives a plain verdict on one round of an exact figure (a size)', () => {
    const size = ratioRow([6.1], { direction: 'at-most', value: 8 }, true);
    expect(verdictText(size)).toBe('met');
  });
});

describe('the printed report', () => {
  const result: BenchResult = {
    id: 'redeem',
    title: 'Redeem',
    rows: [ratioRow([0.7, 0.9, 0.85, 0.88, 0.86]), ratioRow([0.5, 0.6], atLeast)],
    method: '',
    details: [],
    limits: [],
    seconds: 1,
  };

  it('lists unclear and missed rows, saying which are indicative', () => {
    expect(missLines([result])).toEqual([
      'UNCLEAR: req/s vs koa: 0.86x (0.7–0.9), target ≥ 0.8x',
      'MISSED (indicative): req/s vs koa: 0.55x (0.5–0.6), target ≥ 0.8x',
    ]);
  });

  it('prints each verdict in the terminal table', () => {
    const table = terminalTable([result]);
    expect(table).toContain('unclear');
    expect(table).toContain('missed (indicative, 2 rounds)');
  });
});
