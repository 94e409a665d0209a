/**
 * `npm run soak [-- --seconds N] [--browsers N] [--overload]`: two Baton instances on the
 * local Redis under a steady stream of sign-ups, log-ins, replayed handoffs and sign-outs
 * from N browsers at once (default 20; `--overload`: about twice the machine's capacity)
 * for N seconds (default 60), then a report, one figure a line, with the targets that apply.
 * A run at the defaults (60 s; 20 browsers, or the overload's number) also writes its record
 * to bench/soak/normal.md or overload.md, which `npm run bench` puts in BENCHMARKS.md.
 * Exits 1 when a handoff was redeemed twice, a session was lost, a 5xx was seen, a sign-in
 * ended as neither a sign-in nor a busy answer, or an instance's memory grew past its bound
 * (see scripts/soak/figures.ts); 2 when it cannot run (no Redis, a bad argument); 130 when
 * interrupted (Ctrl-C), after stopping the instances and removing the keys.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '../bench/lib/machine.ts';
import { BUILD_LAYOUT } from '../server/pages/pages.ts';
import { ROOT, viteBuild } from './build.ts';
import { formatReport, soakFailures } from './soak/figures.ts';
import { currentCommit, isRecordedRun, soakRecord, writeSoakRecord } from './soak/record.ts';
import { overloadBrowsers, runSoak, SOAK_DEFAULTS, SoakUnavailableError } from './soak/run.ts';

/** The length of a run whose figures are recorded for BENCHMARKS.md (bench/soak/), in seconds. */
const DEFAULT_SECONDS = 60;

const USAGE =
  `usage: npm run soak -- [--seconds N (default ${DEFAULT_SECONDS})] [--browsers N (default ` +
  `${SOAK_DEFAULTS.browsers}; --overload: ${overloadBrowsers()} here)] [--overload]`;

interface Parsed {
  seconds: number;
  browsers: number;
  overload: boolean;
}

function options(): Parsed {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: String(DEFAULT_SECONDS) },
      browsers: { type: 'string' },
      overload: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const whole = (name: string, raw: string) => {
    if (!/^\d+$/.test(raw)) throw new RangeError(`--${name} must be a whole number (got ${raw})`);
    return Number(raw);
  };
  const overload = values.overload;
  return {
    seconds: whole('seconds', values.seconds),
    browsers:
      values.browsers === undefined
        ? overload
          ? overloadBrowsers()
          : SOAK_DEFAULTS.browsers
        : whole('browsers', values.browsers),
    overload,
  };
}

/**
 * The instances run dist/server/main.js and serve dist/client and dist/ssr, as
 * test/global-setup.ts builds them: the server always (a second or so, and never stale), the
 * client and the pages when they are missing.
 */
function ensureBuilds(): void {
  if (!existsSync(path.join(ROOT, 'dist', BUILD_LAYOUT.pages))) {
    console.error('dist/ssr is missing: building the client and the pages first (vite build)');
    viteBuild('vite.config.ts');
  }
  viteBuild('vite.server.config.ts');
}

async function main(): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = options();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  ensureBuilds();
  // Described before the load, so the record gives the load average the run started from.
  const machine = describeMachine();
  const interrupted = new AbortController();
  process.once('SIGINT', () => {
    console.error('interrupted: stopping the instances and removing the soak keys');
    interrupted.abort();
  });
  console.error(
    `soak: ${parsed.seconds} s, ${parsed.browsers} browsers at once${parsed.overload ? ' (overload)' : ''}, two instances on Redis`,
  );
  try {
    const figures = await runSoak({
      ...parsed,
      signal: interrupted.signal,
      onProgress: (line) => console.error(line),
    });
    console.log(formatReport(figures));
    for (const sample of figures.errorSamples) console.error(`seen: ${sample}`);
    if (interrupted.signal.aborted) {
      // Cut short, the figures are partial and the instances were still hashing: no verdict.
      console.log('result: interrupted');
      return 130;
    }
    const failures = soakFailures(figures);
    for (const failure of failures) console.error(`FAIL: ${failure}`);
    const defaults = {
      seconds: DEFAULT_SECONDS,
      browsers: parsed.overload ? overloadBrowsers() : SOAK_DEFAULTS.browsers,
    };
    if (isRecordedRun(parsed, defaults)) {
      const mode = parsed.overload ? 'overload' : 'normal';
      const command = `npm run soak${parsed.overload ? ' -- --overload' : ''}`;
      const record = soakRecord(figures, { machine, commit: currentCommit(ROOT), command });
      console.error(`recorded for BENCHMARKS.md: ${writeSoakRecord(ROOT, mode, record)}`);
    }
    console.log(`result: ${failures.length === 0 ? 'pass' : 'fail'}`);
    return failures.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof SoakUnavailableError || error instanceof RangeError) {
      console.error(`npm run soak cannot run: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

process.exit(await main());
