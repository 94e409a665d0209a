/**
 * Rate-limit counters in the shared Redis, so several instances count together: with
 * in-memory counters, N instances would each allow the configured limit, N times in all.
 * Plug into `createLimiters(limits, redisLimiterFactory(store))` (server/limits/limits.ts).
 */
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';
import type { RedisStore } from './redis.ts';

/** What `createLimiters` asks its factory for. */
export interface LimiterSpec {
  keyPrefix: string;
  points: number;
  /** Window length in seconds. */
  duration: number;
}

/**
 * Limiters whose counters live under `<prefix>limit:` on the store's Redis connection. The
 * per-socket frame limit stays in memory: a socket lives on one instance, and a Redis round
 * trip on every frame would buy nothing.
 */
export function redisLimiterFactory(store: RedisStore): (spec: LimiterSpec) => RateLimiterAbstract {
  return (spec) => {
    if (spec.keyPrefix === 'frames') return new RateLimiterMemory(spec);
    return new RateLimiterRedis({
      ...spec,
      storeClient: store.client,
      keyPrefix: `${store.prefix}limit:${spec.keyPrefix}`,
    });
  };
}
