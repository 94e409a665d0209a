/**
 * What a benchmark server child runs (bench/servers/host.ts), and the messages the parent
 * and the child exchange over IPC. Servers run in a child process so that the load
 * generator and the server under test never share one event loop.
 */

export type StoreConfig =
  | { type: 'sqlite'; file: string }
  | { type: 'redis'; url: string; prefix: string };

export type HostConfig =
  /** A real Baton from createBaton, rate limits raised out of the way, cheap argon2. */
  | {
      kind: 'baton';
      store: StoreConfig;
      secret: string;
      /** The build whose pages it renders (bench/lib/client-build.ts: `distDir`). */
      distDir: string;
      /** The client build to serve `/assets` from, when pages are loaded in a browser. */
      assetsDir?: string;
      /**
       * `cheap` (the default): password hashing is not what is measured. `default`: the
       * hasher and parameters `npm start` uses, for the sign-in benchmark.
       */
      hashing?: 'cheap' | 'default';
    }
  /**
   * The baseline for redeem: plain Koa + koa-session writing a new session per request, with
   * koa-session's own ids (`uuid`, its default) or time-ordered ones like Baton's.
   */
  | { kind: 'koa-session'; store: StoreConfig; secret: string; ids?: 'uuid' | 'time-ordered' }
  /** A bare `ws` server with Baton's socket options: no handlers beyond an error listener. */
  | { kind: 'ws-bare' }
  /** The same, echoing every frame back. */
  | { kind: 'ws-echo' };

export type HostRequest =
  | { cmd: 'account'; email: string; password: string }
  | { cmd: 'stats' }
  | { cmd: 'memory' }
  | { cmd: 'profile-start' }
  | { cmd: 'profile-stop'; file: string }
  /** Writes a V8 heap snapshot after collecting garbage (for looking into memory figures). */
  | { cmd: 'snapshot'; file: string }
  | { cmd: 'exit' };

/** Counters a child keeps, for checking that a run measured what it meant to. */
export interface HostStats {
  /** Handoffs consumed (Baton) or sessions written (koa-session baseline). */
  accepted: number;
  /** Handoffs the ledger refused (already used or expired). */
  refused: number;
  /**
   * Sessions written through `sessions.set` (Baton only): one per sign-in by a form post (a
   * redeem writes its session with the ledger row instead, counted in `accepted`).
   */
  sessionsWritten?: number;
  /**
   * Redeems the store did not answer in time (Baton only): each is answered 503 with
   * Retry-After and changes nothing (fail closed).
   */
  unavailable?: number;
  /** Open WebSocket connections. */
  sockets: number;
  /** process.cpuUsage() in microseconds, and a monotonic clock in ms, to compute utilization. */
  cpuMicros: number;
  atMs: number;
}

export interface HostMemory {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  sockets: number;
}

export type HostReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

export interface HostReady {
  type: 'ready';
  port: number;
}

/** Rate limits no benchmark reaches (the defaults allow 120 sockets a minute per IP). */
export const UNLIMITED = Object.freeze({
  loginFailsPerAccount: 1e9,
  loginFailsPerIp: 1e9,
  signupsPerIp: 1e9,
  socketsPerIp: 1e9,
  openSocketsPerIp: 1e9,
  framesPerSocket: 1e9,
});

/** Password hashing is not what these benchmarks measure. */
export const CHEAP_ARGON2 = Object.freeze({ memoryCost: 64, timeCost: 1, parallelism: 1 });
/** The benchmarks' clients all come from 127.0.0.1: no per-IP cap on password checks. */
export const ROOMY_PASSWORD_CHECKS = Object.freeze({
  perIp: 1_000_000,
  perAccount: 1_000_000,
  queueLimit: 1_000_000,
});
