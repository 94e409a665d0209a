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

describe('soakTargets', () => {
  const latency = (submit: number, answer: number) => {
    const tally = new Tally();
    tally.record('submit', submit);
    tally.record('answer', answer);
    return tally.latency();
  };

  it('judges the normal load on sign-ins per second and p99 submit', () => {
    // 5 sign-ins in 15 + 1.5 s: 0.3 a second.
    expect(soakTargets(figures({ latency: latency(900, 900) }))).toEqual([
      { name: 'target sign-ins per second >= 15', value: 0.3, met: false },
      { name: 'target p99 submit ms <= 1000', value: 900, met: true },
    ]);
  });

  it('judges an overload run on p99 time to an answer, busy answers included', () => {
    expect(soakTargets(figures({ overload: true, latency: latency(5000, 3001) }))).toEqual([
      { name: 'target p99 answer ms <= 3000', value: 3001, met: false },
    ]);
  });

  it('prints each target as met or missed', () => {
    const lines = formatReport(figures({ busy: 3, overload: true })).split('\n');
    expect(lines).toContain('busy answers: 3');
    expect(lines).toContain('overload: yes');
    expect(lines).toContain('target p99 answer ms <= 3000: met');
  });
});
