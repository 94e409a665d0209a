/**
 * Baton servers in this process that share one Redis under a prefix (its store, its session
 * events and, when a test asks, its rate limits), as separate instances behind a balancer
 * do. For the real processes `npm start` runs, see cluster.ts.
 *
 * @example
 * const instances = redisInstances(uniquePrefix());
 * beforeAll(async () => {
 *   a = await instances.start();
 *   b = await instances.start();
 * });
 * afterAll(() => instances.stop());
 */
import type { BatonOptions } from '../../server/app.ts';
import { DEFAULT_LIMITS, type RateLimits } from '../../server/config.ts';
import { createLimiters, type Limiters } from '../../server/limits/limits.ts';
import type { SessionEvents } from '../../server/session/events.ts';
import { openRedisSessionEvents } from '../../server/session/redis-events.ts';
import { openRedisStore, type RedisStore } from '../../server/store/redis.ts';
import { redisLimiterFactory } from '../../server/store/redis-limiters.ts';
import { deleteKeys, REDIS_URL } from './redis.ts';
import { type RunningServer, startServer } from './start-server.ts';

export interface RedisInstances {
  /** Starts one more server on the shared Redis; `options(store)` adds its own options. */
  start(options?: (store: RedisStore) => Partial<BatonOptions>): Promise<RunningServer>;
  /** Stops every server started, closes their connections and deletes the prefix's keys. */
  stop(): Promise<void>;
}

export function redisInstances(prefix: string): RedisInstances {
  const servers: RunningServer[] = [];
  const connections: Array<RedisStore | SessionEvents> = [];
  return {
    async start(options = () => ({})) {
      const store = openRedisStore({ url: REDIS_URL, prefix });
      connections.push(store);
      const events = await openRedisSessionEvents({ url: REDIS_URL, prefix });
      connections.push(events);
      const server = await startServer({ store, events, ...options(store) });
      servers.push(server);
      return server;
    },
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
      await Promise.all(connections.map((connection) => connection.close()));
      await deleteKeys(prefix);
    },
  };
}

/** Rate limits counted in `store`'s Redis, so every instance counts against the same ones. */
export function sharedLimiters(store: RedisStore, limits: RateLimits = DEFAULT_LIMITS): Limiters {
  return createLimiters(limits, redisLimiterFactory(store));
}
