/**
 * Starts a benchmark server (bench/servers/host.ts) in a child process and talks to it over
 * IPC. Every child is killed when the benchmark process exits, however it exits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type {
  HostConfig,
  HostMemory,
  HostReady,
  HostReply,
  HostRequest,
  HostStats,
} from '../servers/config.ts';

const HOST = path.resolve(import.meta.dirname, '../servers/host.ts');
const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 5_000;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class ServerChild {
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void }
  >();

  private constructor(
    readonly process: ChildProcess,
    readonly port: number,
    readonly label: string,
  ) {
    process.on('message', (message: HostReply) => {
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${label}: ${message.error}`));
    });
    process.once('exit', (code, signal) => {
      running.delete(process);
      for (const waiter of this.#pending.values()) {
        waiter.reject(new Error(`${label} exited (code ${code}, signal ${signal})`));
      }
      this.#pending.clear();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts a server child; resolves once it listens. */
  static async start(config: HostConfig, label: string = config.kind): Promise<ServerChild> {
    const child = fork(HOST, [JSON.stringify(config)], {
      // The parent runs under tsx; its loader flags carry over, plus GC for memory figures.
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    running.add(child);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${label} did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      child.once('message', (message: HostReady) => {
        clearTimeout(timer);
        resolve(message.port);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited before listening (code ${code})`));
      });
    });
    return new ServerChild(child, port, label);
  }

  request<T>(request: HostRequest): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new Error(`${this.label} did not answer ${request.cmd} within ${REQUEST_TIMEOUT_MS} ms`),
        );
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send({ id, ...request });
    });
  }

  stats(): Promise<HostStats> {
    return this.request<HostStats>({ cmd: 'stats' });
  }

  memory(): Promise<HostMemory> {
    return this.request<HostMemory>({ cmd: 'memory' });
  }

  /** Asks the child to close and exit; kills it if it does not within a few seconds. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.request({ cmd: 'exit' }).catch(() => {});
    const timer = setTimeout(() => this.process.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** CPU use of a child between two stats snapshots, in cores (1 = one core busy). */
export function coresUsed(before: HostStats, after: HostStats): number {
  return (after.cpuMicros - before.cpuMicros) / 1000 / (after.atMs - before.atMs);
}
