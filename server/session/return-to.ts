/**
 * The page a person asked for before being sent to sign in (or to confirm their password),
 * so that they land on it afterwards. It travels in a sealed cookie of its own (purpose
 * `return`), never in a query string: the browser can neither read nor write it, only
 * Baton's own page paths (and the pages of link forms that need a sign-in, `<action>/<token>`)
 * are ever sealed into it, and the path is checked against them again when it is used.
 * `//host` and absolute URLs therefore never work.
 */
import type Koa from 'koa';
import * as v from 'valibot';
import type { ReturnPath } from '../../shared/page.ts';
import { isReturnPath } from '../accounts/outcome.ts';
import type { KeyRing } from '../keys/keyring.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';
import { type CookieNames, cookieAttributes, mayCarryCookie, UNSIGNED } from './cookies.ts';

/** How long a page waits to be returned to: long enough to sign in, or recover an account. */
export const RETURN_TO_MS = 60 * 60 * 1000;

const Sealed = v.strictObject({
  path: v.custom<ReturnPath>(isReturnPath),
  /** When it stops counting (ms since the epoch); the cookie's own expiry is the browser's word only. */
  exp: v.number(),
});

export interface ReturnTo {
  /** Remembers `path` as the page to land on after the next sign-in or confirmation. */
  set(ctx: Koa.Context, path: ReturnPath, now: number): void;
  /** The page waiting to be returned to, if any (cleared, so it is used once). */
  take(ctx: Koa.Context, now: number): ReturnPath | null;
  /** Forgets any page waiting (a sign-out: the next person here starts afresh). */
  clear(ctx: Koa.Context): void;
}

export function createReturnTo(names: CookieNames, ring: KeyRing): ReturnTo {
  const attributes = cookieAttributes(names);
  const clear = (ctx: Koa.Context) => {
    if (mayCarryCookie(ctx, names.returnTo) && ctx.cookies.get(names.returnTo, UNSIGNED))
      ctx.cookies.set(names.returnTo, null, attributes);
  };
  return {
    set(ctx, path, now) {
      if (!isReturnPath(path))
        throw new TypeError(
          `Not one of Baton's pages, nor a link form's page: ${JSON.stringify(path)}`,
        );
      const payload = JSON.stringify({ path, exp: now + RETURN_TO_MS });
      const token = sealBox(ring, 'return', Buffer.from(payload, 'utf8'));
      ctx.cookies.set(names.returnTo, token, { ...attributes, maxAge: RETURN_TO_MS });
    },
    take(ctx, now) {
      if (!mayCarryCookie(ctx, names.returnTo)) return null;
      const token = ctx.cookies.get(names.returnTo, UNSIGNED);
      if (!token) return null;
      clear(ctx);
      const box = openBox(ring, 'return', token);
      if (!box.ok) return null;
      try {
        const parsed = v.safeParse(Sealed, JSON.parse(box.plaintext.toString('utf8')));
        return parsed.success && now < parsed.output.exp ? parsed.output.path : null;
      } catch {
        return null;
      }
    },
    clear,
  };
}
