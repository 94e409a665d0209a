/**
 * Guards for the routes that change state: refuse cross-site posts (login CSRF, forced
 * sign-out) and send the security headers every response carries.
 */
import type Koa from 'koa';

/**
 * Whether a POST may go on (the contract's Origin rule): its `Origin` is one of ours or,
 * with no `Origin` at all, the browser says `Sec-Fetch-Site: same-origin`. Everything else
 * is refused: a sibling subdomain or another port (`same-site`), `Origin: null` (sandboxed
 * frames, opaque redirects) and a request that carries neither header.
 */
export function postAllowed(
  origins: readonly string[],
  origin: string | undefined,
  fetchSite: string | undefined,
): boolean {
  if (origin) return origins.includes(origin);
  return fetchSite === 'same-origin';
}

/**
 * Refuses, with 403, a POST that `postAllowed` refuses (login CSRF, forced sign-out). Pages
 * send `Referrer-Policy: same-origin` so the browser keeps the real Origin on their own
 * posts, also over plain HTTP where there is no Fetch Metadata.
 */
export function refuseCrossSite(origins: readonly string[]): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    if (!postAllowed(origins, ctx.get('Origin'), ctx.get('Sec-Fetch-Site'))) {
      ctx.status = 403;
      ctx.type = 'text';
      ctx.set('Cache-Control', 'no-store');
      ctx.body =
        'This form was sent from another site, so it was refused. Open the page here and try again.';
      return;
    }
    await next();
  };
}

/**
 * The Content-Security-Policy: no inline script or style (the page's data is an inert JSON
 * script), nothing loaded or posted off-site, no framing. `devServer` relaxes it for Vite's
 * hot reload, which injects styles and needs its own socket.
 */
function contentSecurityPolicy(dev: boolean): string {
  const directives: Record<string, readonly string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:'],
    'connect-src': dev ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
    'font-src': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'object-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join(';');
}

/**
 * The security headers every response carries, in the order they are sent: the CSP above
 * (its `frame-ancestors 'none'` forbids framing; no X-Frame-Options, whose SAMEORIGIN would
 * contradict it), no MIME sniffing, no Referer leaving the site, cross-origin isolation of
 * the window and its resources, HSTS when served over HTTPS.
 */
export function securityHeaderList(
  options: { devServer?: boolean; hsts?: boolean } = {},
): ReadonlyArray<readonly [name: string, value: string]> {
  return Object.freeze([
    ['Content-Security-Policy', contentSecurityPolicy(options.devServer === true)],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    // same-origin, not no-referrer: with no-referrer the browser sends `Origin: null` on the
    // page's own posts, which the Origin rule refuses (and plain HTTP has no Fetch Metadata).
    ['Referrer-Policy', 'same-origin'],
    // Only when served over HTTPS; on plain HTTP it would be ignored or, worse, wrong.
    ...(options.hsts ? [['Strict-Transport-Security', 'max-age=31536000'] as const] : []),
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    // 0 turns off the legacy XSS auditor, which itself enabled cross-site leaks.
    ['X-XSS-Protection', '0'],
  ] as const);
}

/**
 * Sends the security headers (see securityHeaderList) on every response, before the rest of
 * the app runs, so a later middleware can still tighten one for its route.
 *
 * A fixed header set, precomputed: nothing in it depends on the request, so it is built once
 * and set with one `setHeader` per header. helmet ran a dozen small middlewares per request,
 * each wrapped in a promise by koa-helmet, to set the same values: about 1.5% of a redeem in
 * the benchmark's CPU profile, and a microtask hop. Neither Node nor Koa sets
 * `X-Powered-By`, so there is none to remove.
 */
export function securityHeaders(
  options: { devServer?: boolean; hsts?: boolean } = {},
): Koa.Middleware {
  const headers = securityHeaderList(options);
  return (ctx, next) => {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    return next();
  };
}
