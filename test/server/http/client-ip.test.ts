import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { clientIp, koaProxyOptions } from '../../../server/http/client-ip.ts';

/** A raw request from `peer` carrying `forwardedFor`, as the upgrade handler receives one. */
function request(peer: string, forwardedFor?: string): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  const req = new IncomingMessage(socket);
  if (forwardedFor !== undefined) req.headers['x-forwarded-for'] = forwardedFor;
  return req;
}

/** What Koa's `ctx.ip` says for the same request with the same hops. */
function koaIp(req: IncomingMessage, hops: number): string {
  const app = new Koa(koaProxyOptions(hops));
  return app.createContext(req, new ServerResponse(req)).ip;
}

describe('clientIp', () => {
  it('uses the peer address and ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(clientIp(request('10.0.0.5', '6.6.6.6'), 0)).toBe('10.0.0.5');
  });

  it('takes the right-most entry behind one proxy, never the client-written left-most', () => {
    expect(clientIp(request('10.0.0.5', '6.6.6.6, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientIp(request('10.0.0.5', '203.0.113.7'), 1)).toBe('203.0.113.7');
  });

  it('takes the second entry from the right behind two proxies', () => {
    expect(clientIp(request('10.0.0.5', '6.6.6.6, 203.0.113.7, 10.0.0.9'), 2)).toBe('203.0.113.7');
  });

  it('falls back to the peer address when the header is missing or empty', () => {
    expect(clientIp(request('10.0.0.5'), 1)).toBe('10.0.0.5');
    expect(clientIp(request('10.0.0.5', ''), 1)).toBe('10.0.0.5');
  });

  it('decides exactly as Koa does for HTTP with the same options', () => {
    const headers = [
      undefined,
      '',
      '6.6.6.6',
      '6.6.6.6, 203.0.113.7',
      '6.6.6.6,203.0.113.7 , 10.0.0.9',
      '1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4',
    ];
    for (const hops of [0, 1, 2, 3, 5]) {
      for (const header of headers) {
        expect(clientIp(request('10.0.0.5', header), hops), `${hops} ${header}`).toBe(
          koaIp(request('10.0.0.5', header), hops),
        );
      }
    }
  });
});
