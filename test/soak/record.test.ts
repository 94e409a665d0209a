import { describe, expect, it } from 'vitest';
import type { Machine } from '../../bench/lib/machine.ts';
import { markdown } from '../../bench/lib/report.ts';
import { type SoakFigures, Tally } from '../../scripts/soak/figures.ts';
import { isRecordedRun, soakRecord } from '../../scripts/soak/record.ts';

const machine: Machine = {
  cpu: 'Test CPU',
  cores: 2,
  memory: '4.0 GB',
  os: 'Linux',
  node: 'v20.0.0',
  date: '2026-12-04T10:00:00Z',
  load: '0.10, 0.20, 0.30',
};

/** A clean normal-load run: 10 s, five windows of 20 sign-ins a second but one of 12. */
function cleanRun(): SoakFigures {
  const tally = new Tally();
  Object.assign(tally.counts, { signUps: 100, logIns: 90, signIns: 180, busy: 0, formSignIns: 10 });
  for (const ms of [100, 200, 300]) tally.record('submit', ms);
  for (const ms of [100, 200, 300]) tally.record('answer', ms);
  const window = (signInsPerSecond: number) => ({
    signInsPerSecond,
    p99Submit: 300,
    p99Answer: 300,
  });
  return {
    ...tally.counts,
    seconds: 10,
    drainSeconds: 0,
    browsers: 20,
    overload: false,
    latency: tally.latency(),
    windows: [window(20), window(20), window(12), window(20), window(20)],
    instances: [
      {
        name: 'A',
        url: 'http://127.0.0.1:1',
        rssStartMb: 90,
        rssPeakMb: 150,
        rssEndMb: 120,
        exitCode: 0,
        errorLogs: 0,
        warnLogs: 0,
      },
    ],
    errorSamples: [],
    keysDeleted: 5,
  };
}

describe('which soak runs are recorded', () => {
  const defaults = { seconds: 60, browsers: 20 };

  it('records a run at the default length and browsers', () => {
    expect(isRecordedRun({ seconds: 60, browsers: 20, overload: false }, defaults)).toBe(true);
  });

  it('does not record a shorter run or one with other browsers', () => {
    expect(isRecordedRun({ seconds: 10, browsers: 20, overload: false }, defaults)).toBe(false);
    expect(isRecordedRun({ seconds: 60, browsers: 8, overload: false }, defaults)).toBe(false);
  });
});

describe('a soak record', () => {
  const record = soakRecord(cleanRun(), {
    machine,
    commit: 'abc1234',
    command: 'npm run soak',
  });

  it('says what ran, where, at which commit, and that it passed', () => {
    expect(record.split('\n')[0]).toBe(
      '`npm run soak`: 20 simulated browsers for 10 s (then 0 s for the sign-ins in flight to ' +
        'finish), two instances on Redis; at commit abc1234, 2026-12-04T10:00:00Z, on Test CPU × 2 ' +
        'cores, load average at start 0.10, 0.20, 0.30. Result: **pass**.',
    );
  });

  it('judges each target on the range of its windows: the worst window decides', () => {
    expect(record).toContain('| sign-ins per second >= 15 | 18 | 12–20 | unclear |');
    expect(record).toContain('| p99 submit ms <= 1000 | 300 | 300–300 | met |');
  });

  it('gives the counts the run must keep at zero, and each instance memory', () => {
    expect(record).toContain('| double redemptions | 0 |');
    expect(record).toContain('| sessions lost | 0 |');
    expect(record).toContain('| errors / 5xx | 0 / 0 |');
    expect(record).toContain('| instance A RSS start / peak / end (MB) | 90 / 150 / 120 |');
  });

  it('names what failed when the run failed', () => {
    const failed = soakRecord(
      { ...cleanRun(), doubleRedemptions: 2 },
      { machine, commit: 'abc1234', command: 'npm run soak' },
    );
    expect(failed.split('\n')[0]).toMatch(
      /Result: \*\*fail\*\* \(double redemptions must be 0 \(got 2\)\)\.$/,
    );
  });
});

describe('the soak section of BENCHMARKS.md', () => {
  const report = (soak: { normal: string | null; overload: string | null }) =>
    markdown({
      results: [],
      machine,
      command: 'npm run bench',
      seconds: 60,
      chartFile: 'c.svg',
      soak,
    });

  it('copies in each record as written', () => {
    const text = report({ normal: 'NORMAL RECORD\n', overload: 'OVERLOAD RECORD\n' });
    expect(text).toContain('### At the normal load\n\nNORMAL RECORD\n');
    expect(text).toContain('### In overload\n\nOVERLOAD RECORD\n');
  });

  it('says how to make a record that is missing', () => {
    const text = report({ normal: null, overload: null });
    expect(text).toContain(
      '### In overload\n\nNot recorded yet: run `npm run soak -- --overload`.',
    );
  });
});
