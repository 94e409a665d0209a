/**
 * Starting the server: the compiled build that `npm start` runs (`node dist/server/main.js`)
 * against the TypeScript source under tsx (`tsx server/main.ts`, what `npm start` ran
 * before). Time from spawn to "Baton is running", and the resident memory of the idle
 * process (tsx's included: its CLI runs the server in a second node process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'vite';
import type { ClientBuild } from '../lib/client-build.ts';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, bytes, figure, ms, row } from '../lib/result.ts';
import { interleave, pairedRatios, summarize } from '../lib/stats.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = 'bench-startup-secret-long-enough-for-baton-01';
/** How long the server idles after printing its URL before its memory is read. */
const SETTLE_MS = 1000;
type Variant = 'compiled' | 'tsx';

interface Sample {
  startMs: number;
  rssBytes: number;
}

/** Resident memory of `pid` and every process below it (Linux /proc). */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces or parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while the list was read.
    }
  }
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.pop() as number;
    try {
      const status = readFileSync(`/proc/${next}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      continue;
    }
    queue.push(...(children.get(next) ?? []));
  }
  return total;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function measure(dir: string, variant: Variant, round: number): Promise<Sample> {
  const [file, args] =
    variant === 'compiled'
      ? [process.execPath, [path.join(dir, 'dist/server/main.js')]]
      : [path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(dir, 'server/main.ts')]];
  const t0 = performance.now();
  const child = spawn(file, args, {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      SECRET_KEYS: SECRET,
      // Production refuses the dev mailbox; nothing is sent while starting, so no server listens.
      MAIL_URL: 'smtp://127.0.0.1:1025',
      DATA_DIR: path.join(dir, `data-${variant}-${round}`),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const startMs = await new Promise<number>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Baton is running')) resolve(performance.now() - t0);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) => reject(new Error(`${variant} exited (${code}): ${output}`)));
    });
    await sleep(SETTLE_MS);
    return { startMs, rssBytes: treeRss(child.pid as number) };
  } finally {
    await stopChild(child);
  }
}

/** A copy of the project to start from: the sources for tsx, the builds for node. */
async function prepare(dir: string, client: ClientBuild): Promise<void> {
  for (const entry of ['package.json', 'server', 'shared']) {
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  cpSync(client.dir, path.join(dir, 'dist/client'), { recursive: true });
  cpSync(path.join(client.distDir, 'ssr'), path.join(dir, 'dist/ssr'), { recursive: true });
  await build({
    configFile: path.join(ROOT, 'vite.server.config.ts'),
    root: ROOT,
    logLevel: 'warn',
    build: { outDir: path.join(dir, 'dist/server') },
  });
}

export async function startupBenchmark(
  mode: Mode,
  client: ClientBuild,
): Promise<Omit<BenchResult, 'seconds'>> {
  const dir = path.join(mode.scratch, 'startup');
  mkdirSync(dir, { recursive: true });
  try {
    await prepare(dir, client);
    const rounds = mode.quick ? 2 : 5;
    const samples: Record<Variant, Sample[]> = { compiled: [], tsx: [] };
    await interleave(rounds, ['tsx', 'compiled'] as const, async (variant, round) => {
      samples[variant].push(await measure(dir, variant, round));
      return 0;
    });
    const start = {
      compiled: summarize(samples.compiled.map((s) => s.startMs)),
      tsx: summarize(samples.tsx.map((s) => s.startMs)),
    };
    const rss = {
      compiled: summarize(samples.compiled.map((s) => s.rssBytes)),
      tsx: summarize(samples.tsx.map((s) => s.rssBytes)),
    };
    const baseline = '`tsx server/main.ts` (the source)';
    return {
      id: 'startup',
      title: 'Starting the server: compiled JavaScript against tsx',
      rows: [
        row({
          subject: 'spawn to "Baton is running"',
          baseline,
          batonFigure: figure(start.compiled, ms),
          baselineFigure: figure(start.tsx, ms),
          ratio: pairedRatios(start.compiled, start.tsx),
          unit: 'x',
          target: { direction: 'at-most', value: 1 },
        }),
        row({
          subject: 'idle RSS (all processes)',
          baseline,
          batonFigure: figure(rss.compiled, bytes),
          baselineFigure: figure(rss.tsx, bytes),
          ratio: pairedRatios(rss.compiled, rss.tsx),
          unit: 'x',
          target: { direction: 'at-most', value: 1 },
        }),
      ],
      method:
        `Each round starts each variant once, alternating, in a fresh child process on SQLite ` +
        `(\`NODE_ENV=production\`, port 0, an empty data folder): \`node dist/server/main.js\` ` +
        `(the Vite server build that \`npm start\` runs) and \`tsx server/main.ts\`. Start time runs ` +
        `from the spawn to the line "Baton is running" (so it includes Node's own start and the ` +
        `decoy password hash made at start); RSS is read from /proc ${SETTLE_MS / 1000} s later, ` +
        `summed over the process and its children (tsx's CLI runs the server in a second node ` +
        `process). ${rounds} rounds.`,
      details: [],
      limits: [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
