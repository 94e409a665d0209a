import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { requestLog } from '../../../server/http/errors.ts';
import { securityHeaders } from '../../../server/http/guards.ts';
import { createLogger } from '../../../server/logger.ts';
import { StoreUnavailableError } from '../../../server/store/unavailable.ts';
import { captureLogs, type LogCapture } from '../../helpers/log-capture.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

/** A bare app with the error middleware, the security headers and one failing handler. */
async function appThatFails(error: unknown): Promise<{ url: string; logs: LogCapture }> {
  const logs = captureLogs();
  const app = new Koa();
  app.use(requestLog(createLogger({ level: 'info', destination: logs.destination })));
  app.use(securityHeaders());
  app.use(async (ctx) => {
    // What a handler may have queued before the store failed: the session cookie cleared
    // (koa-session's regenerate), a flash, a redirect.
    ctx.cookies.set('baton.sid', '', { expires: new Date(0) });
    ctx.set('Location', '/account');
    ctx.set('X-Handler', 'ran');
    throw error;
  });
  const server = createServer(app.callback());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logs };
}

const failureLines = (logs: LogCapture) =>
  logs.records().filter((record) => record.msg !== 'request');

describe('requestLog', () => {
  it('answers a store outage with 503, keeping only the security headers and the request id', async () => {
    const { url, logs } = await appThatFails(
      new StoreUnavailableError('sessions.set', new Error('read ECONNRESET')),
    );

    const response = await fetch(url, { redirect: 'manual' });

    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('x-handler')).toBeNull();
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(failureLines(logs).map((line) => [line.level, line.msg])).toEqual([
      [40, 'store unavailable'],
    ]);
  });

  it('answers a bug with a plain 500 logged at error, dropping what the handler had set', async () => {
    const { url, logs } = await appThatFails(new TypeError('cannot read properties of undefined'));

    const response = await fetch(url, { redirect: 'manual' });

    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Something went wrong on our side. Please try again.');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('x-handler')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(failureLines(logs).map((line) => [line.level, line.msg])).toEqual([
      [50, 'request failed'],
    ]);
  });
});
