/**
 * One way to connect to Redis for every part of Baton (the store, the session events):
 * configured to fail fast. While Redis is unreachable a command is rejected within
 * `COMMAND_TIMEOUT_MS` instead of waiting in ioredis's offline queue for a reconnect that
 * may never come, so a request (and `/healthz`) answers promptly with an error.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** Longest any single command may wait, queued or sent, before it is rejected. */
export const COMMAND_TIMEOUT_MS = 1_000;
/** Longest a TCP connect (and the handshake) may take before ioredis retries. */
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect backoff ceiling: short, so an instance is back within a second of Redis. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** A Redis connection that remembers why it last failed, for error messages. */
export interface RedisConnection {
  readonly client: Redis;
  /** `redis://host:port/db`, safe to log and show: never the username or password. */
  readonly where: string;
  /** The last connection error, cleared once the connection is ready again. */
  lastError(): Error | null;
  /** Quits politely; disconnects at once if Redis does not answer. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The error for a Redis that does not answer. Its message names the server (never its
 * credentials) and the cause; `/healthz` shows it.
 */
export class RedisUnavailableError extends Error {
  readonly code = 'store.unreachable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

/** `redis://host:port/db` of a Redis URL, without credentials or query. */
export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? parsed.pathname.slice(1) : '0';
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}/${db}`;
}

/**
 * Connects to the Redis at `url` (`redis://[user:password@]host:port/db`, or `rediss://`
 * for TLS). Returns at once; the connection is made in the background and remade after
 * every loss.
 */
export function connectRedis(
  url: string,
  options: { name: string; extra?: RedisOptions },
): RedisConnection {
  let lastError: Error | null = null;
  const client = new Redis(url, {
    connectionName: options.name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Commands sent while (re)connecting wait in the offline queue, so a blip costs a
    // little latency rather than an error; the command timeout bounds that wait, and one
    // retry per command stops a queue from growing across a long outage.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    ...options.extra,
  });
  // Without a listener ioredis prints every failed reconnect to stderr; the cause is kept
  // for the next error message instead.
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('ready', () => {
    lastError = null;
  });

  return {
    client,
    where: describeRedisUrl(url),
    lastError: () => lastError,
    async close() {
      if (client.status === 'end') return;
      try {
        await withTimeout(client.quit(), COMMAND_TIMEOUT_MS, 'QUIT');
      } catch {
        // Redis is gone or slow: drop the socket, there is nothing left to flush.
        client.disconnect();
      }
    },
  };
}

/** A Redis command that got no answer in time: an outage, not a bug (see unavailable.ts). */
export class RedisTimeoutError extends Error {
  readonly code = 'store.timeout';
  constructor(message: string) {
    super(message);
    this.name = 'RedisTimeoutError';
  }
}

/** Rejects with `<what> took longer than <ms> ms` when `promise` is not settled in time. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisTimeoutError(`${what} took longer than ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
