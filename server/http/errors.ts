/**
 * The outermost middleware: a request id on every response, one log line per request
 * (method, path, status, time; never bodies, cookies or query strings, which may carry
 * secrets), and one place that turns unexpected errors into a plain 500.
 */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from '../logger.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { sendUnavailable } from './unavailable.ts';

export function requestLog(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const id = randomUUID();
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } catch (error) {
      if (isStoreUnavailable(error)) {
        logger.warn({ reqId: id, code: error.code, err: error }, 'store unavailable');
        sendUnavailable(ctx);
        return;
      }
      const status = (error as { status?: number }).status ?? 500;
      const expose = (error as { expose?: boolean }).expose === true;
      ctx.status = status;
      ctx.type = 'text';
      ctx.body = expose
        ? (error as Error).message
        : 'Something went wrong on our side. Please try again.';
      if (status >= 500) logger.error({ reqId: id, err: error }, 'request failed');
    } finally {
      // pino's `info` is a no-op below its level, but the line (and ctx.path, which parses
      // the URL) would still be built on every request first.
      if (logger.isLevelEnabled('info'))
        logger.info(
          {
            reqId: id,
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
    }
  };
}
