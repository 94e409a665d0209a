import { describe, expect, it } from 'vitest';
import {
  formatReport,
  percentile,
  rssBoundMb,
  type SoakFigures,
  STEPS,
  soakFailures,
  soakTargets,
  Tally,
} from '../../scripts/soak/figures.ts';

/** The figures of a clean run, with `overrides` applied. */
function figures(overrides: Partial<SoakFigures> = {}): SoakFigures {
  const tally = new Tally();
  Object.assign(tally.counts, { signUps: 2, logIns: 3, signIns: 5, replaysRefused: 10 });
  return {
    ...tally.counts,
    seconds: 15,
    drainSeconds: 1.5,
    browsers: 8,
    overload: false,
    latency: tally.latency(),
    windows: [],
    instances: [
      {
        name: 'A',
        url: 'http://127.0.0.1:1',
        rssStartMb: 100,
        rssPeakMb: 600,
        rssEndMb: 110,
        exitCode: 0,
        errorLogs: 0,
        warnLogs: 0,
      },
    ],
    errorSamples: [],
    keysDeleted: 20,
    ...overrides,
  };
}

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is 0 without samples', () => {
    expect(percentile([], 50)).toBe(0);
  });
});

describe('soakFailures', () => {
  it('passes a clean run', () => {
    expect(soakFailures(figures())).toEqual([]);
  });

  it('names each figure that must be 0 and is not', () => {
    const failures = soakFailures(figures({ doubleRedemptions: 1, sessionsLost: 2, fiveXx: 3 }));
    expect(failures).toEqual([
      'double redemptions must be 0 (got 1)',
      'sessions lost must be 0 (got 2)',
      '5xx must be 0 (got 3)',
    ]);
  });

  it('passes a run whose attempts were answered busy as well as signed in', () => {
    expect(soakFailures(figures({ busy: 40 }))).toEqual([]);
  });

  it('fails a run that signed no one in', () => {
    expect(soakFailures(figures({ signIns: 0 }))).toEqual(['sign-ins must be more than 0 (got 0)']);
  });

  it('fails an instance whose memory ended above twice its start plus 50 MB', () => {
    const [instance] = figures().instances;
    const grown = { ...(instance as SoakFigures['instances'][number]), rssEndMb: 251 };
    expect(rssBoundMb(100)).toBe(250);
    expect(soakFailures(figures({ instances: [grown] }))).toEqual([
      'instance A rss end MB must be at most 2 x start + 50 = 250 (got 251)',
    ]);
  });
});

describe('formatReport', () => {
  it('writes one figure a line', () => {
    const lines = formatReport(figures()).split('\n');
    expect(lines).toContain('double redemptions: 0');
    expect(lines).toContain('sessions lost: 0');
    expect(lines).toContain('5xx: 0');
    expect(lines).toContain('sign-ins: 5');
    expect(lines).toContain('replays refused: 10');
    expect(lines).toContain('instance A rss start MB: 100');
    expect(lines).toContain('instance A rss end MB: 110');
    for (const step of STEPS) {
      expect(lines).toContain(`p50 ${step} ms: 0`);
      expect(lines).toContain(`p99 ${step} ms: 0`);
    }
    for (const line of lines) expect(line).toMatch(/^[\w <=>-]+: \S+$/);
  });
});

describe('Tally.windows', () => {
  it('cuts the load into equal windows and counts what ended in each', () => {
    let now = 1000;
    const tally = new Tally(() => now);
    // Two sign-ins in the first 2 s, one in the fifth; submits timed as they end.
    for (const [at, ms] of [
      [1500, 400],
      [2900, 800],
      [9500, 1200],
    ] as const) {
      now = at;
      tally.record('submit', ms);
      tally.signedIn();
    }
    expect(tally.counts.signIns).toBe(3);
    expect(tally.windows(1000, 10)).toEqual([
      { signInsPerSecond: 1, p99Submit: 800, p99Answer: null },
      { signInsPerSecond: 0, p99Submit: null, p99Answer: null },
      { signInsPerSecond: 0, p99Submit: null, p99Answer: null },
      { signInsPerSecond: 0, p99Submit: null, p99Answer: null },
      { signInsPerSecond: 0.5, p99Submit: 1200, p99Answer: null },
    ]);
  });
});

describe('soakTargets', () => {
  const latency = (submit: number, answer: number) => {
    const tally = new Tally();
    tally.record('submit', submit);
    tally.record('answer', answer);
    return tally.latency();
  };
  const windows = (rates: number[], p99s: Array<number | null>) =>
    rates.map((rate, i) => ({
      signInsPerSecond: rate,
      p99Submit: p99s[i] ?? null,
      p99Answer: p99s[i] ?? null,
    }));

  it('is met only when every window meets the target', () => {
    const run = figures({
      signIns: 300,
      latency: latency(900, 900),
      windows: windows([16, 15, 20, 17, 15.5], [900, 950, 1000, 700, 800]),
    });
    expect(soakTargets(run)).toEqual([
      {
        name: 'target sign-ins per second >= 15',
        value: 18.18,
        range: { min: 15, max: 20 },
        verdict: 'met',
      },
      {
        name: 'target p99 submit ms <= 1000',
        value: 900,
        range: { min: 700, max: 1000 },
        verdict: 'met',
      },
    ]);
  });

  it('is unclear when the windows straddle the target, whatever the whole run says', () => {
    const run = figures({
      signIns: 300,
      latency: latency(900, 900),
      windows: windows([16, 14, 20, 17, 18], [900, 1100, 800, 700, 800]),
    });
    expect(soakTargets(run).map((t) => t.verdict)).toEqual(['unclear', 'unclear']);
  });

  it('is missed when even the best window misses the target', () => {
    // 5 sign-ins in 15 + 1.5 s: 0.3 a second.
    const run = figures({
      latency: latency(1500, 1500),
      windows: windows([0.2, 0.4, 0.4, 0.2, 0.4], [1500, 1200, 1300, 1400, 1600]),
    });
    expect(soakTargets(run)).toEqual([
      {
        name: 'target sign-ins per second >= 15',
        value: 0.3,
        range: { min: 0.2, max: 0.4 },
        verdict: 'missed',
      },
      {
        name: 'target p99 submit ms <= 1000',
        value: 1500,
        range: { min: 1200, max: 1600 },
        verdict: 'missed',
      },
    ]);
  });

  it('is no better than unclear when a window saw nothing end', () => {
    const run = figures({
      latency: latency(900, 900),
      windows: windows([16, 16, 16, 16, 16], [900, null, 800, 700, 800]),
    });
    expect(soakTargets(run)[1]).toEqual({
      name: 'target p99 submit ms <= 1000',
      value: 900,
      range: { min: 700, max: 900 },
      verdict: 'unclear',
    });
  });

  it('judges an overload run on p99 time to an answer, busy answers included', () => {
    const run = figures({
      overload: true,
      latency: latency(5000, 3001),
      windows: windows([1, 1, 1, 1, 1], [2000, 3001, 2500, 2900, 2800]),
    });
    expect(soakTargets(run)).toEqual([
      {
        name: 'target p99 answer ms <= 3000',
        value: 3001,
        range: { min: 2000, max: 3001 },
        verdict: 'unclear',
      },
    ]);
  });

  it('prints each window, and each target with its range and verdict', () => {
    const lines = formatReport(
      figures({ busy: 3, overload: true, windows: windows([1, 1, 1, 1, 1], [1, 2, 3, 4, 5]) }),
    ).split('\n');
    expect(lines).toContain('busy answers: 3');
    expect(lines).toContain('overload: yes');
    expect(lines).toContain('window 1 p99 answer ms: 1');
    expect(lines).toContain('window 5 sign-ins per second: 1');
    expect(lines).toContain('target p99 answer ms <= 3000 range over windows: 1–5');
    expect(lines).toContain('target p99 answer ms <= 3000: met');
  });
});
