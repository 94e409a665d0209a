/**
 * Guards for the routes that change state: refuse cross-site posts (login CSRF, forced
 * sign-out) and send the security headers every response carries.
 */
import type Koa from 'koa';
import helmet from 'koa-helmet';

/**
 * Refuses a POST whose `Sec-Fetch-Site` is `cross-site` or, from a browser that does not
 * send Fetch Metadata, whose Origin is not one of ours. A request with neither header is
 * not from a browser page and carries no ambient authority worth forging, so it passes.
 */
export function refuseCrossSite(origins: readonly string[]): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    const site = ctx.get('Sec-Fetch-Site');
    const origin = ctx.get('Origin');
    const crossSite = site ? site === 'cross-site' : origin !== '' && !origins.includes(origin);
    if (crossSite) {
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
 * Security headers with helmet: a strict Content-Security-Policy (no inline script or
 * style; the page's data is an inert JSON script), no framing, no MIME sniffing, no
 * Referer leaving the site, HSTS when served over HTTPS. `devServer` relaxes it for Vite's hot reload, which injects
 * styles and needs its own socket.
 */
export function securityHeaders(
  options: { devServer?: boolean; hsts?: boolean } = {},
): Koa.Middleware {
  const dev = options.devServer === true;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
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
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // Only when served over HTTPS; on plain HTTP it would be ignored or, worse, wrong.
    strictTransportSecurity: options.hsts
      ? { maxAge: 31_536_000, includeSubDomains: false }
      : false,
    crossOriginEmbedderPolicy: false,
  }) as Koa.Middleware;
}
