/**
 * `npm run bench`: every benchmark beside its baselines, a table on the terminal, and (in a
 * full run) BENCHMARKS.md and bench/chart.svg rewritten.
 *
 *   npm run bench                    the full run (about 7 minutes on 2 idle cores)
 *   npm run bench -- --quick         fewer, shorter rounds (about 2 minutes); writes nothing tracked
 *   npm run bench -- --only=seal,redeem
 *   npm run bench -- --quick --profile
 *
 * Timings never fail the run: it exits non-zero only when a benchmark crashes (or a required
 * Chromium or Redis is missing), and prints every missed target plainly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SOAK_RECORDS } from '../scripts/soak/record.ts';
import { browserBenchmark, browserSkipReason } from './cases/browser.ts';
import { bundleBenchmark } from './cases/bundle.ts';
import { crowdBenchmark } from './cases/crowd.ts';
import { hashingBenchmark } from './cases/hashing.ts';
import { memoryBenchmark } from './cases/memory.ts';
import { redeemBenchmark } from './cases/redeem.ts';
import { roundTripBenchmark } from './cases/roundtrip.ts';
import { redisSkipReason, scalingBenchmark } from './cases/scaling.ts';
import { sealBenchmark } from './cases/seal.ts';
import { signInBenchmark } from './cases/signin.ts';
import { startupBenchmark } from './cases/startup.ts';
import { buildClient, type ClientBuild } from './lib/client-build.ts';
import { formatLikeCi } from './lib/format.ts';
import { describeMachine } from './lib/machine.ts';
import type { Mode } from './lib/mode.ts';
import { chartSvg, markdown, missLines, terminalTable } from './lib/report.ts';
import type { BenchResult } from './lib/result.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHART = 'bench/chart.svg';
const IDS = [
  'seal',
  'redeem',
  'hashing',
  'signin',
  'memory',
  'crowd',
  'roundtrip',
  'browser',
  'bundle',
  'scaling',
  'startup',
] as const;
type Id = (typeof IDS)[number];

function parseArgs(argv: readonly string[]): { quick: boolean; profile: boolean; only: Set<Id> } {
  let quick = false;
  let profile = false;
  let only = new Set<Id>(IDS);
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--profile') profile = true;
    else if (arg.startsWith('--only=')) {
      const names = arg.slice('--only='.length).split(',').filter(Boolean);
      const unknown = names.filter((n) => !(IDS as readonly string[]).includes(n));
      if (unknown.length > 0) {
        throw new Error(
          `--only: unknown benchmark ${unknown.join(', ')} (known: ${IDS.join(', ')})`,
        );
      }
      only = new Set(names as Id[]);
    } else if (arg === '--help' || arg === '-h') {
      console.log(`usage: npm run bench [-- --quick] [--profile] [--only=${IDS.join(',')}]`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)} (try --help)`);
    }
  }
  return { quick, profile: profile || !quick, only };
}

/** This process's open-file limits (soft, hard), as the shell reports them. */
function fileLimits(): { soft: number; hard: number } {
  try {
    const [soft = '', hard = ''] = execFileSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    const parse = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
    return { soft: parse(soft), hard: parse(hard) };
  } catch {
    return { soft: 1024, hard: 1024 };
  }
}

/**
 * The memory benchmark holds every client socket in this process and every server socket in
 * a child. When the soft limit on open files is too low but the hard one allows it, this
 * re-runs the benchmark under a raised limit (children inherit it); when even the hard limit
 * is too low, the number of connections is lowered, and the report says so.
 */
function planConnections(wanted: number): { connections: number; note: string | null } {
  const needed = wanted + 512;
  const { soft, hard } = fileLimits();
  if (soft >= needed) return { connections: wanted, note: null };
  if (hard >= needed && !process.env.BATON_BENCH_RAISED_NOFILE) {
    console.log(
      `Open-file limit is ${soft}; re-running with ulimit -n ${needed} for ${wanted} connections.`,
    );
    const result = spawnSync(
      '/bin/sh',
      [
        '-c',
        `ulimit -n ${needed} && exec "$0" "$@"`,
        process.execPath,
        ...process.execArgv,
        ...process.argv.slice(1),
      ],
      { stdio: 'inherit', env: { ...process.env, BATON_BENCH_RAISED_NOFILE: '1' } },
    );
    process.exit(result.status ?? 1);
  }
  const connections = Math.max(100, Math.floor((soft - 512) / 100) * 100);
  return {
    connections,
    note: `The open-file limit here (soft ${soft}, hard ${hard}) allowed ${connections.toLocaleString('en')} connections instead of ${wanted.toLocaleString('en')}.`,
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const machine = describeMachine();
  // The crowd's 10,000 sockets are held by a child of their own, so one process never needs
  // more descriptors than the larger of the two.
  const connections = planConnections(args.quick ? 500 : 10_000);
  const memoryConnections = {
    connections: Math.min(connections.connections, args.quick ? 500 : 5000),
    note: connections.note,
  };
  // Bounded in time as a whole, whatever any one benchmark does: room for every case on a
  // busy machine (a full run beside other work took more than 10 minutes).
  const bound = args.quick ? 300_000 : 1_800_000;
  setTimeout(() => {
    console.error(`\nThe benchmarks ran past ${bound / 1000} s and were stopped.`);
    process.exit(1);
  }, bound).unref();

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
  const mode: Mode = { quick: args.quick, profile: args.profile, scratch };
  console.log(
    `Baton benchmarks (${args.quick ? 'quick' : 'full'}) on ${machine.cpu} × ${machine.cores}, Node ${machine.node}, load ${machine.load}`,
  );

  const clientBuild = (): Promise<ClientBuild> => buildClient(scratch);

  const benchmarks: Record<
    Id,
    {
      title: string;
      skip?: () => Promise<string | null> | string | null;
      run: () => Promise<Omit<BenchResult, 'seconds'>>;
    }
  > = {
    seal: { title: 'Sealing and opening a handoff', run: () => sealBenchmark(mode) },
    redeem: { title: 'Redeeming a handoff: `POST /handoff`', run: () => redeemBenchmark(mode) },
    hashing: { title: 'Password checks per second per core', run: () => hashingBenchmark(mode) },
    signin: {
      title: 'Sign-ins per second on one instance: `POST /login`',
      run: () => signInBenchmark(mode),
    },
    memory: {
      title: 'Live socket: server memory per idle connection',
      run: () => memoryBenchmark(mode, memoryConnections),
    },
    crowd: {
      title: 'Idle live sockets on one instance',
      run: () => crowdBenchmark(mode, connections),
    },
    roundtrip: {
      title: '`validate` round trip over the live socket',
      run: () => roundTripBenchmark(mode),
    },
    browser: {
      title: 'Click "Log in" to the account page, in Chromium',
      skip: browserSkipReason,
      run: async () => browserBenchmark(mode, await clientBuild()),
    },
    bundle: {
      title: 'Page JavaScript',
      run: async () => bundleBenchmark(mode, await clientBuild()),
    },
    scaling: {
      title: 'Redeem with one and two instances: Redis and SQLite',
      skip: redisSkipReason,
      run: () => scalingBenchmark(mode),
    },
    startup: {
      title: 'Starting the server: compiled JavaScript against tsx',
      skip: () => (process.platform === 'linux' ? null : 'reads memory from /proc (Linux only)'),
      run: async () => startupBenchmark(mode, await clientBuild()),
    },
  };

  const results: BenchResult[] = [];
  for (const id of IDS) {
    if (!args.only.has(id)) continue;
    const bench = benchmarks[id];
    const t0 = performance.now();
    process.stdout.write(`- ${id}: `);
    // A benchmark that did not run still gets a row, saying why.
    const empty = { id, title: bench.title, rows: [], method: '', details: [], limits: [] };
    let result: BenchResult;
    try {
      const skipped = bench.skip ? await bench.skip() : null;
      if (skipped) {
        result = { ...empty, skipped, seconds: 0 };
        console.log(`skipped: ${skipped}`);
      } else {
        result = { ...(await bench.run()), seconds: (performance.now() - t0) / 1000 };
        console.log(`${result.seconds.toFixed(1)} s`);
      }
    } catch (error) {
      const message = (error as Error)?.stack ?? String(error);
      result = { ...empty, error: message, seconds: (performance.now() - t0) / 1000 };
      console.log(`CRASHED\n${message}`);
    }
    results.push(result);
  }

  const seconds = (performance.now() - started) / 1000;
  console.log('');
  console.log(terminalTable(results));
  console.log('');
  const misses = missLines(results);
  for (const line of misses) console.log(line);
  if (misses.length === 0) console.log('Every target was met.');
  if (args.quick) {
    console.log('Quick run: too few rounds for a verdict, so every verdict above is indicative.');
  }
  for (const r of results) if (r.skipped) console.log(`SKIPPED: ${r.title}: ${r.skipped}`);
  const crashed = results.filter((r) => r.error);
  for (const r of crashed) console.log(`CRASHED: ${r.title}`);
  console.log(`\n${seconds.toFixed(1)} s in all.`);

  const complete = args.only.size === IDS.length;
  const command = `npm run bench${args.quick ? ' -- --quick' : ''}`;
  const caption = `${command} · ${machine.cpu} × ${machine.cores} · Node ${machine.node} · ${machine.date}`;
  const soak = {
    normal: readRecord(SOAK_RECORDS.normal),
    overload: readRecord(SOAK_RECORDS.overload),
  };
  if (!args.quick && complete) {
    writeFileSync(
      path.join(ROOT, 'BENCHMARKS.md'),
      markdown({ results, machine, command, seconds, chartFile: CHART, soak }),
    );
    mkdirSync(path.dirname(path.join(ROOT, CHART)), { recursive: true });
    writeFileSync(path.join(ROOT, CHART), chartSvg(results, caption));
    formatLikeCi(ROOT, 'BENCHMARKS.md');
    console.log(`Wrote BENCHMARKS.md and ${CHART}.`);
  } else {
    // The report is still produced (so CI exercises it), but away from the tracked files.
    const dir = path.join(scratch, 'report');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'BENCHMARKS.md'),
      markdown({ results, machine, command, seconds, chartFile: 'chart.svg', soak }),
    );
    writeFileSync(path.join(dir, 'chart.svg'), chartSvg(results, caption));
    console.log(
      `${args.quick ? 'Quick' : 'Partial'} run: BENCHMARKS.md was not touched (a full \`npm run bench\` rewrites it); this run's report is in ${dir}.`,
    );
  }
  rmSync(path.join(scratch, 'build'), { recursive: true, force: true });
  if (mode.profile && args.only.has('redeem')) console.log(`CPU profiles: ${scratch}`);
  return crashed.length > 0 ? 1 : 0;
}

/** A soak record (scripts/soak/record.ts) as written, or null when that run was never made. */
function readRecord(relative: string): string | null {
  const file = path.join(ROOT, relative);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
