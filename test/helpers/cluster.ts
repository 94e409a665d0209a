/**
 * Starts real Baton processes (`node dist/server/main.js`, as `npm start` runs it) side by
 * side on one Redis, the way an operator runs several instances: the same SECRET_KEYS, every
 * instance's origin in PUBLIC_ORIGIN, one STORE_URL. They run the server and client builds
 * that test/global-setup.ts made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BrowserSession } from './browser-session.ts';
import { REDIS_URL } from './redis.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// A readiness wait, not a performance bound: on a busy 2-core machine a start (Node, the
// store, the decoy password hash) has been seen to take 20 s.
const START_TIMEOUT_MS = 60_000;
// Beyond the server's own 10 s exit deadline, so only a hung process is ever killed.
const STOP_TIMEOUT_MS = 15_000;

/** The compiled server, run as `npm start` runs it. */
export const COMPILED_SERVER: readonly string[] = [process.execPath, 'dist/server/main.js'];

export const CLUSTER_SECRET = 'cluster-test-secret-that-is-long-enough-0001';

export interface Instance {
  /** `http://127.0.0.1:<port>`, also its origin. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
}

export interface Cluster {
  readonly instances: readonly Instance[];
  /** The STORE_URL every instance uses (the test Redis under the run's prefix). */
  readonly storeUrl: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the OS hands out a fresh one for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `count` instances on the test Redis under `prefix` and resolves once every one
 * has printed its URL. `env` adds or overrides variables for all of them.
 */
export async function startCluster(options: {
  prefix: string;
  count?: number;
  env?: Record<string, string>;
}): Promise<Cluster> {
  const count = options.count ?? 2;
  // The ports are picked first because every instance must list every origin.
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const storeUrl = `${REDIS_URL}?prefix=${encodeURIComponent(options.prefix)}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-cluster-'));
  const started = await Promise.allSettled(
    ports.map((port) =>
      startInstance({
        PORT: String(port),
        HOST: '127.0.0.1',
        STORE_URL: storeUrl,
        SECRET_KEYS: CLUSTER_SECRET,
        DATA_DIR: dataDir,
        PUBLIC_ORIGIN: urls.join(','),
        LOG_LEVEL: 'warn',
        ...options.env,
      }),
    ),
  );
  const instances = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const stop = async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { instances, storeUrl, stop };
}

/**
 * Starts one Baton process with `env` and resolves once it prints its URL. `command` is the
 * compiled server by default, run in `cwd` (the project root by default).
 */
export function startInstance(
  env: Record<string, string>,
  options: { command?: readonly string[]; cwd?: string; startTimeoutMs?: number } = {},
): Promise<Instance> {
  const url = `http://127.0.0.1:${env.PORT}`;
  const [file = process.execPath, ...args] = options.command ?? COMPILED_SERVER;
  const child = spawn(file, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });

  const instance: Instance = {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };

  const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      void instance.stop();
      reject(new Error(`Baton on port ${env.PORT} ${why}. Its output:\n${output}`));
    };
    const timer = setTimeout(
      () => fail(`did not start within ${startTimeoutMs} ms`),
      startTimeoutMs,
    );
    const poll = setInterval(() => {
      if (output.includes(`Baton is running at http://localhost:${env.PORT}`)) {
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        resolve(instance);
      }
    }, 25);
    void exited.then((code) => fail(`exited with code ${code} before it started`));
  });
}

/**
 * The same browser on another instance: one cookie jar, as a real browser sends the same
 * cookies to 127.0.0.1 on every port (cookies ignore ports).
 */
export function sameBrowserOn(browser: BrowserSession, instance: Instance): BrowserSession {
  return Object.assign(new BrowserSession(instance.url), { cookies: browser.cookies });
}
