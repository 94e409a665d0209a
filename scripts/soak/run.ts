/**
 * The soak runner behind `npm run soak` and test/soak: two real Baton processes on the local
 * Redis (a key prefix of their own, removed at the end), a steady stream of sign-ups,
 * log-ins (over the live socket, and some without JavaScript), replayed handoffs and
 * sign-outs from many simulated browsers for a bounded time, and the figures that say
 * whether anything was lost or redeemed twice. In overload (about twice the browsers the
 * machine serves within its targets) a sign-in may be answered busy; every attempt must
 * still end as a sign-in or a busy answer.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, type Instance, startCluster } from '../../test/helpers/cluster.ts';
import { deleteKeys, REDIS_URL } from '../../test/helpers/redis.ts';
import { SoakPerson } from './browser.ts';
import { type InstanceFigures, type SoakFigures, type SoakWindow, Tally } from './figures.ts';

export interface SoakOptions {
  /** How long to keep starting sign-ins, in seconds (1 to 3600). */
  seconds: number;
  /** Simulated browsers in flight at once (1 to 200). Default 20, or overloadBrowsers(). */
  browsers?: number;
  /** Overload: without `browsers`, run overloadBrowsers(); busy answers are then expected. */
  overload?: boolean;
  /** Stops the run early (Ctrl-C); the instances are still stopped and the keys removed. */
  signal?: AbortSignal;
  /** Called with a progress line every few seconds. */
  onProgress?: (line: string) => void;
}

export const SOAK_DEFAULTS = Object.freeze({ browsers: 20 });

/** Browsers one core is expected to serve within the soak's targets (20 on 2 cores). */
const BROWSERS_PER_CORE = 10;

/** About twice what this machine serves within its targets: 2 x 10 browsers per core. */
export function overloadBrowsers(cores = os.availableParallelism()): number {
  return Math.min(200, 2 * BROWSERS_PER_CORE * cores);
}

/** Thrown when the soak cannot run here (no Redis); its message says why and what to do. */
export class SoakUnavailableError extends Error {
  readonly code = 'soak.unavailable';
}

/**
 * The rate limits, raised so that one client IP (every simulated browser is 127.0.0.1) can
 * sign up and open sockets all run long. 1,000,000 is the most server/config.ts accepts.
 */
const SOAK_ENV = Object.freeze({
  LIMIT_LOGIN_FAILS_PER_ACCOUNT: '1000000',
  LIMIT_LOGIN_FAILS_PER_IP: '1000000',
  LIMIT_SIGNUPS_PER_IP: '1000000',
  LIMIT_SOCKETS_PER_IP: '1000000',
  LIMIT_OPEN_SOCKETS_PER_IP: '1000000',
  LIMIT_FRAMES_PER_SOCKET: '1000000',
  // Every soak browser is 127.0.0.1: one client IP is not a flood here.
  PASSWORD_CHECKS_PER_IP: '10000',
});

/** Sign-ins one person does (a sign-up, then log-ins) before a new person takes their place. */
const SIGN_INS_PER_PERSON = 4;
/** A ceiling on each browser slot's sign-ins, far above what password hashing allows per second. */
const MAX_SIGN_INS_PER_SLOT_PER_SECOND = 20;
/** After the load, in-flight sign-ins may finish for this long before everything is cut. */
const DRAIN_MS = 20_000;
/** A pause between one person's sign-ins, up to this, so the browsers do not march in step. */
const MAX_PAUSE_MS = 200;
const RSS_SAMPLE_MS = 1_000;
const PROGRESS_MS = 5_000;
/** After the load, before reading the end RSS: lets sockets close and buffers go. */
const SETTLE_MS = 1_000;

/**
 * Runs a soak and resolves with its figures. Throws SoakUnavailableError without a Redis.
 *
 * @example
 * const figures = await runSoak({ seconds: 15 });
 * console.log(formatReport(figures));
 */
export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const seconds = checkedInteger('seconds', options.seconds, 1, 3600);
  const overload = options.overload ?? false;
  const browsers = checkedInteger(
    'browsers',
    options.browsers ?? (overload ? overloadBrowsers() : SOAK_DEFAULTS.browsers),
    1,
    200,
  );
  const problem = await redisProblem(REDIS_URL);
  if (problem !== null) {
    const where = new URL(REDIS_URL).host;
    throw new SoakUnavailableError(
      `the soak needs a Redis at ${where} (${problem}); start one with \`redis-server\` or set REDIS_URL`,
    );
  }

  const prefix = `baton-soak-${randomBytes(6).toString('hex')}:`;
  const stopped = new AbortController();
  // Each browser slot listens on it at most five times at once (three posts, a socket, a pause).
  setMaxListeners(browsers * 8, stopped.signal);
  const onAbort = () => stopped.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let cluster: Cluster | null = null;
  let run: LoadResult;
  let exitCodes: Array<number | null>;
  let keysDeleted: number;
  try {
    cluster = await startCluster({ prefix, env: { ...SOAK_ENV } });
    run = await load(cluster.instances, { seconds, browsers, stopped, options });
    exitCodes = await Promise.all(cluster.instances.map((instance) => instance.stop()));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stopped.abort();
    await cluster?.stop();
    keysDeleted = await deleteKeys(prefix);
  }
  const { instances } = cluster;
  return {
    ...run.tally.counts,
    seconds: run.seconds,
    drainSeconds: run.drainSeconds,
    browsers,
    overload,
    latency: run.tally.latency(),
    windows: run.windows,
    errorSamples: run.tally.errorSamples,
    instances: run.memory.map((memory, i) => ({
      ...memory,
      exitCode: exitCodes[i] ?? null,
      ...countLogs(instances[i]?.output() ?? ''),
    })),
    keysDeleted,
  };
}

type MemoryFigures = Pick<
  InstanceFigures,
  'name' | 'url' | 'rssStartMb' | 'rssPeakMb' | 'rssEndMb'
>;

interface LoadResult {
  tally: Tally;
  /** How long new sign-ins were started, and how long the last ones took to finish (s). */
  seconds: number;
  drainSeconds: number;
  memory: MemoryFigures[];
  /** The load's figures window by window, judged by the targets. */
  windows: SoakWindow[];
}

async function load(
  instances: readonly Instance[],
  run: { seconds: number; browsers: number; stopped: AbortController; options: SoakOptions },
): Promise<LoadResult> {
  const tally = new Tally();
  const { stopped } = run;
  const memory = instances.map((instance, i): MemoryFigures => {
    const start = readRssMb(instance);
    return {
      name: String.fromCharCode(65 + i),
      url: instance.url,
      rssStartMb: start,
      rssPeakMb: start,
      rssEndMb: null,
    };
  });
  const sampleRss = () =>
    instances.forEach((instance, i) => {
      const figures = memory[i];
      const now = readRssMb(instance);
      if (figures && now !== null) figures.rssPeakMb = Math.max(figures.rssPeakMb ?? 0, now);
    });

  const started = performance.now();
  const deadline = started + run.seconds * 1000;
  const running = () => !stopped.signal.aborted && performance.now() < deadline;
  let inFlight = 0;
  // A sign-in still unfinished this long after the load is a hang, the very thing to find.
  const hardStop = setTimeout(
    () => {
      tally.error(`${inFlight} sign-ins were still in flight ${DRAIN_MS} ms after the load ended`);
      stopped.abort();
    },
    run.seconds * 1000 + DRAIN_MS,
  );
  const sampler = setInterval(sampleRss, RSS_SAMPLE_MS);
  const progress = setInterval(() => {
    const elapsed = Math.round((performance.now() - started) / 1000);
    const { signIns, busy, errors, fiveXx } = tally.counts;
    run.options.onProgress?.(
      `${elapsed} s: ${signIns} sign-ins, ${busy} busy, ${errors} errors, ${fiveXx} 5xx`,
    );
  }, PROGRESS_MS);
  const deps = { instances, tally, signal: stopped.signal };
  const maxSignIns = Math.max(1, run.seconds * MAX_SIGN_INS_PER_SLOT_PER_SECOND);

  // Each slot is one browser after another, never more than one at a time.
  const slot = async () => {
    let signIns = 0;
    while (running() && signIns < maxSignIns) {
      const person = new SoakPerson(deps);
      for (let round = 0; round < SIGN_INS_PER_PERSON && running() && signIns < maxSignIns; ) {
        round += 1;
        signIns += 1;
        inFlight += 1;
        const ok = await person.signInAndOut();
        inFlight -= 1;
        if (!ok) break;
        await pause(Math.random() * MAX_PAUSE_MS, stopped.signal);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: run.browsers }, slot));
  } finally {
    clearTimeout(hardStop);
    clearInterval(sampler);
    clearInterval(progress);
  }
  const finished = performance.now();
  const tenths = (ms: number) => Math.round(Math.max(ms, 0) / 100) / 10;
  const loadSeconds = tenths(Math.min(finished, deadline) - started);
  const drainSeconds = tenths(finished - deadline);
  if (!stopped.signal.aborted) await pause(SETTLE_MS, stopped.signal);
  sampleRss();
  instances.forEach((instance, i) => {
    const figures = memory[i];
    if (figures) figures.rssEndMb = readRssMb(instance);
  });
  return {
    tally,
    seconds: loadSeconds,
    drainSeconds,
    memory,
    windows: tally.windows(started, Math.max(loadSeconds, 0.1)),
  };
}

/** VmRSS of the instance's process in MB (Linux /proc), or null when it cannot be read. */
function readRssMb(instance: Instance): number | null {
  const pid = instance.child.pid;
  if (pid === undefined || instance.child.exitCode !== null) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** Counts pino lines at error level or above (>= 50) and at warn (40). */
function countLogs(output: string): { errorLogs: number; warnLogs: number } {
  let errorLogs = 0;
  let warnLogs = 0;
  for (const line of output.split('\n')) {
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level >= 50) errorLogs += 1;
    else if (level === 40) warnLogs += 1;
  }
  return { errorLogs, warnLogs };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  // An abort ends the wait early; it is not an error here.
  return sleep(ms, undefined, { signal }).then(
    () => {},
    () => {},
  );
}

function checkedInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/** Sends PING to the Redis at `url`; resolves null when it answers PONG, else why not. */
function redisProblem(url: string, timeoutMs = 1_000): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    let reply = '';
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error) => done(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n'))
        done(reply.startsWith('+PONG') ? null : `it answered PING with ${reply.trim()}`);
    });
  });
}
