/**
 * Opens the store a `STORE_URL` names, with the session event bus that goes with it:
 *
 *   sqlite:<file>                       the SQLite store, in-process session events
 *   redis://[user:pass@]host:port/db    the Redis store, session events over Redis pub/sub
 *   rediss://…                          the same over TLS
 *
 * A Redis URL may end in `?prefix=<prefix>` to put every key and the event channel under
 * another prefix than `baton:` (several Batons on one Redis, or one test run's keys).
 */

import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createLocalSessionEvents, type SessionEvents } from '../session/events.ts';
import { openRedisSessionEvents } from '../session/redis-events.ts';
import { DEFAULT_REDIS_PREFIX, openRedisStore, type RedisStore } from './redis.ts';
import { type LimiterSpec, redisLimiterFactory } from './redis-limiters.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

export interface OpenedStore {
  store: Store;
  /** Close it before the store: closing it does not close the store. */
  events: SessionEvents;
  /**
   * Builds rate limiters whose counters every instance shares (pass it to `createLimiters`);
   * undefined on SQLite, where in-memory counters serve the one process.
   */
  limiterFactory?: (spec: LimiterSpec) => RateLimiterAbstract;
}

export interface OpenStoreOptions {
  /** How long to wait for Redis to answer at start before giving up. Default 5 s. */
  readyTimeoutMs?: number;
  /** The clock that wait runs on (`Date.now` by default; tests pass their own). */
  now?: () => number;
  /** Waits `ms` between two pings (a real timer by default; tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const DEFAULT_READY_TIMEOUT_MS = 5_000;
const READY_RETRY_MS = 250;
const PREFIX_SHAPE = /^[A-Za-z0-9:_.-]{1,64}$/;

/** Splits a Redis STORE_URL into the URL ioredis connects to and the key prefix. */
export function parseRedisStoreUrl(url: string): { url: string; prefix: string } {
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get('prefix') ?? DEFAULT_REDIS_PREFIX;
  if (!PREFIX_SHAPE.test(prefix)) {
    throw new Error(
      `STORE_URL prefix must be 1 to 64 letters, digits or ":_.-" (received ${JSON.stringify(prefix)})`,
    );
  }
  // ioredis reads the remaining query parameters as its own options.
  parsed.searchParams.delete('prefix');
  return { url: parsed.toString(), prefix };
}

/**
 * Opens the store and its session events. A Redis store must answer within
 * `readyTimeoutMs`, or this rejects saying which Redis and why (never its password).
 *
 * @example
 * const { store, events } = await openStore('redis://127.0.0.1:6379/0?prefix=shop:');
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (url.startsWith('sqlite:')) {
    return {
      store: openSqliteStore({ file: url.slice('sqlite:'.length) }),
      events: createLocalSessionEvents(),
    };
  }
  if (/^rediss?:\/\//.test(url)) {
    const target = parseRedisStoreUrl(url);
    const store = openRedisStore(target);
    try {
      await untilAnswering(store, {
        timeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        now: options.now ?? Date.now,
        sleep: options.sleep ?? realSleep,
      });
      const events = await openRedisSessionEvents(target);
      return { store, events, limiterFactory: redisLimiterFactory(store) };
    } catch (error) {
      await store.close();
      // The message names the Redis as host:port/db: the URL itself may carry a password.
      throw new Error(`STORE_URL: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new Error(
    `STORE_URL ${url.split(':')[0]}: is not supported (supported: sqlite:<file>, redis://host:port/db)`,
  );
}

/** Pings until Redis answers, so an instance started just before its Redis still comes up. */
async function untilAnswering(
  store: RedisStore,
  wait: { timeoutMs: number; now: () => number; sleep: (ms: number) => Promise<void> },
): Promise<void> {
  const deadline = wait.now() + wait.timeoutMs;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (error) {
      if (wait.now() + READY_RETRY_MS >= deadline) throw error;
      await wait.sleep(READY_RETRY_MS);
    }
  }
}
