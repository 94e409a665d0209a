/**
 * The outermost middleware: a request id on every response, one log line per request
 * (method, path, status, time; never bodies, cookies or query strings, which may carry
 * secrets, nor the token in an emailed link's path), and one place that turns errors into responses: a store outage is a 503
 * logged at warn, anything else a plain 500 logged at error.
 *
 * An error response leaves the browser as it was: whatever headers the request had set
 * before it failed (a Set-Cookie clearing or replacing the session cookie, a flash, a
 * redirect) are dropped; only the security headers and the request id stay. Koa's own
 * onerror does the same, but this middleware answers errors before they reach it.
 */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from '../logger.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { securityHeaderList } from './guards.ts';
import { loggedPath } from './logged-path.ts';
import { sendUnavailable } from './unavailable.ts';

const REQUEST_ID = 'x-request-id';

/** Removes every response header but `kept` (lower-case names). */
function resetHeaders(ctx: Koa.Context, kept: ReadonlySet<string>): void {
  for (const name of ctx.res.getHeaderNames()) if (!kept.has(name)) ctx.res.removeHeader(name);
}

export function requestLog(logger: Logger): Koa.Middleware {
  // Every name securityHeaders may send (HSTS included), plus the request id.
  const kept = new Set([
    REQUEST_ID,
    ...securityHeaderList({ hsts: true }).map(([name]) => name.toLowerCase()),
  ]);
  return async (ctx, next) => {
    const started = performance.now();
    const id = randomUUID();
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } catch (error) {
      // Once the headers are out nothing can be taken back: log it, and Koa ends the response.
      if (ctx.headerSent) {
        logger.error({ reqId: id, err: error }, 'request failed after its headers were sent');
        return;
      }
      resetHeaders(ctx, kept);
      if (isStoreUnavailable(error)) {
        logger.warn({ reqId: id, code: error.code, err: error }, 'store unavailable');
        sendUnavailable(ctx);
        return;
      }
      const status = (error as { status?: number }).status ?? 500;
      const expose = (error as { expose?: boolean }).expose === true;
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
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
            path: loggedPath(ctx.path),
            status: ctx.status,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
    }
  };
}
