/**
 * The server's routes as data, read from the router itself (and the live socket's path), so
 * whatever needs to know them, such as the dev server's proxy (scripts/dev.ts) or the tests
 * that measure every page, follows every route the server has without a list of its own.
 *
 * A GET route that renders a page is registered under that page's kind as its name
 * (`router.get('account', '/account', …)`, PageData's `page`); Baton names routes for this
 * alone, so the name is how a route says it renders a page.
 */
import type Router from '@koa/router';

/** One route: the methods it answers and the pattern its path must match. */
export interface ServerRoute {
  methods: readonly string[];
  /** The path as registered, e.g. `/login`. */
  path: string;
  /** The source and flags of the RegExp the path must match (without the query string). */
  pattern: string;
  flags: string;
  /** A WebSocket upgrade rather than plain HTTP. */
  upgrade: boolean;
  /** The kind of page the route renders (PageData's `page`, the route's name), else null. */
  page: string | null;
}

/** The routes of `router` (its `stack` of layers), then the WebSocket paths. */
export function routesOf(router: Router, upgradePaths: readonly string[] = []): ServerRoute[] {
  const routes: ServerRoute[] = [];
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string' || layer.methods.length === 0) continue;
    const { source, flags } = layer.regexp;
    routes.push({
      methods: [...layer.methods],
      path: layer.path,
      pattern: source,
      flags,
      upgrade: false,
      page: layer.name ?? null,
    });
  }
  for (const path of upgradePaths) {
    const pattern = `^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;
    routes.push({ methods: ['GET'], path, pattern, flags: '', upgrade: true, page: null });
  }
  return routes;
}

/**
 * A test for whether a request URL (path and query) is one of `routes`. `upgrade`: only
 * WebSocket routes, else only HTTP ones.
 */
export function routeMatcher(
  routes: readonly ServerRoute[],
): (url: string, upgrade?: boolean) => boolean {
  const compiled = routes.map((route) => ({
    ...route,
    regexp: new RegExp(route.pattern, route.flags),
  }));
  return (url, upgrade = false) => {
    const path = url.split(/[?#]/, 1)[0] ?? '';
    return compiled.some((route) => route.upgrade === upgrade && route.regexp.test(path));
  };
}
