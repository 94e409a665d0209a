/**
 * The path a request is logged under, with the token of an emailed link cut out: those
 * routes carry a working token in the path itself, and the request log must never hold one
 * (the contract's "no token or link ever reaches a log"). Everything after the route's
 * prefix goes, so a token with a stray character appended by a mail reader goes too.
 */

/** The routes whose next path segment is an emailed token (CONTRACT.md, "Account recovery and email"). */
export const TOKEN_ROUTES: readonly string[] = Object.freeze([
  '/reset-password/',
  '/login-link/',
  '/confirm/',
  '/confirm-email/',
]);

/**
 * @example
 * loggedPath('/reset-password/3q2-7w…') // '/reset-password/:token'
 */
export function loggedPath(path: string): string {
  for (const route of TOKEN_ROUTES) {
    if (path.startsWith(route) && path.length > route.length) return `${route}:token`;
  }
  return path;
}
