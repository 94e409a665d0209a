/**
 * Who the client is, behind `TRUST_PROXY` hops of reverse proxy. Each proxy appends the
 * address it received the request from to `X-Forwarded-For`, so only the right-most `hops`
 * entries were written by proxies we run; anything left of them is whatever the client
 * sent and must never be believed (it would let one client pose as many and escape every
 * per-IP limit).
 *
 * The rule is Koa's own with `proxy: true` and `maxIpsCount: hops` (its documented app
 * options, koa/lib/request.js `ips`/`ip`): keep the right-most `hops` entries and take the
 * left-most of those, or the socket's address when there are none. `koaProxyOptions` gives
 * Koa those options for HTTP and `clientIp` applies the same rule to a raw request (the
 * live socket's upgrade), so both count the same client.
 */
import type { IncomingMessage } from 'node:http';

/** The Koa app options that make `ctx.ip` follow `clientIp`'s rule. */
export function koaProxyOptions(hops: number): { proxy: boolean; maxIpsCount: number } {
  return { proxy: hops > 0, maxIpsCount: hops };
}

/**
 * The client IP of `req` with `hops` trusted proxies in front (0: none, the socket's peer).
 * @example
 * // X-Forwarded-For: "6.6.6.6, 203.0.113.7" from one proxy: the client wrote 6.6.6.6.
 * clientIp(req, 1); // "203.0.113.7"
 */
export function clientIp(req: IncomingMessage, hops: number): string {
  const peer = req.socket.remoteAddress ?? '';
  if (hops <= 0) return peer;
  // Node joins repeated X-Forwarded-For headers with ", " into one string; its type still
  // allows a list, which reads the same way joined.
  const raw = req.headers['x-forwarded-for'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  if (!header) return peer;
  const entries = header.split(',').map((entry) => entry.trim());
  return entries.slice(-hops)[0] || peer;
}
