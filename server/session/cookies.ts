/**
 * The names and attributes of every cookie Baton sets. Served over HTTPS (PUBLIC_ORIGIN is
 * https), every cookie is Secure and `__Host-` prefixed: the browser then refuses it unless
 * it was set by this exact host over HTTPS with Path=/ and no Domain, so a sibling
 * subdomain cannot plant or overwrite one.
 */
import type Koa from 'koa';

export interface CookieNames {
  /** The opaque session id (signed with the key ring); the data lives in the store. */
  session: string;
  /** A random per-browser value that handoffs are bound to; nothing about it is stored. */
  binding: string;
  /** Flash messages for the next page, sealed so the browser can neither read nor forge them. */
  flash: string;
  /** The page a signed-out visitor asked for, sealed, to land on after signing in. */
  returnTo: string;
  /** A sign-in whose password was accepted, waiting for its authentication code, sealed. */
  pendingSignIn: string;
  secure: boolean;
}

/** The cookie names for a plain-HTTP or an HTTPS deployment. */
export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? '__Host-' : '';
  return Object.freeze({
    session: `${prefix}baton.sid`,
    binding: `${prefix}baton.bind`,
    flash: `${prefix}baton.flash`,
    returnTo: `${prefix}baton.return`,
    pendingSignIn: `${prefix}baton.pending`,
    secure,
  });
}

/**
 * Attributes every Baton cookie shares: never readable by scripts, not sent on cross-site
 * posts. Unsigned by default: the binding is a random value whose only use is equality,
 * and the flash is sealed; only the session cookie is signed (koa-session asks for it).
 */
export function cookieAttributes(names: CookieNames) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    overwrite: true,
    secure: names.secure,
    signed: false,
  };
}

/** How to read an unsigned cookie (the cookies library verifies a signature by default once keys are set). */
export const UNSIGNED = Object.freeze({ signed: false });

/**
 * Whether this request's Cookie header can hold cookie `name` at all: a substring test, so
 * the cookies library's parse (and the sealed box behind it) is skipped for the cookies
 * most requests do not carry, such as the return-to and pending sign-in ones on a redeem.
 */
export function mayCarryCookie(ctx: Koa.Context, name: string): boolean {
  return ctx.req.headers.cookie?.includes(`${name}=`) === true;
}
