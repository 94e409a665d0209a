/**
 * `GET /healthz`, for a load balancer: 200 `{"ok":true,"store":kind}` while the store
 * answers, else 503 with a generic reason. The store's own error names its host and cause,
 * which is for the operator's log, not for anyone who can reach the URL.
 */
import type Koa from 'koa';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';

/** The only reason the public ever sees. */
export const STORE_UNREACHABLE = 'store unreachable';

export interface HealthBody {
  ok: boolean;
  store: Store['kind'];
  reason?: typeof STORE_UNREACHABLE;
}

/**
 * Middleware answering the health check. On failure it logs the store's error message at
 * warn: Redis errors name the server as `redis://host:port/db`, never its credentials
 * (store/redis-connection.ts describeRedisUrl).
 */
export function healthCheck(store: Pick<Store, 'kind' | 'ping'>, logger: Logger): Koa.Middleware {
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await store.ping();
      ctx.body = { ok: true, store: store.kind } satisfies HealthBody;
    } catch (error) {
      logger.warn(
        { code: 'health.store-unreachable', store: store.kind, reason: (error as Error).message },
        'health check: store unreachable',
      );
      ctx.status = 503;
      ctx.body = { ok: false, store: store.kind, reason: STORE_UNREACHABLE } satisfies HealthBody;
    }
  };
}
