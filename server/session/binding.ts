/**
 * The binding cookie: a random value every browser gets on its first page, with nothing
 * stored on the server. A handoff carries its hash, and `/handoff` redeems it only for the
 * browser that holds the same value.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { hashBinding } from '../handoff/seal.ts';
import { type CookieNames, cookieAttributes, UNSIGNED } from './cookies.ts';

const BINDING_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000; // browsers cap cookie lifetimes at 400 days

export interface BindingCookie {
  /** This request's binding value, if it carries a well-formed one. */
  read(ctx: Koa.Context): string | null;
  /** Reads a well-formed binding value from a raw Cookie header (for socket upgrades). */
  fromHeader(header: string | undefined): string | null;
  /** Gives the browser a binding cookie if it has none yet; returns its value. */
  ensure(ctx: Koa.Context): string;
}

export function createBindingCookie(names: CookieNames): BindingCookie {
  const attributes = { ...cookieAttributes(names), maxAge: MAX_AGE_MS };
  const read = (ctx: Koa.Context) => {
    const value = ctx.cookies.get(names.binding, UNSIGNED);
    return value && BINDING_SHAPE.test(value) ? value : null;
  };
  return {
    read,
    fromHeader(header) {
      if (!header) return null;
      for (const part of header.split(';')) {
        const eq = part.indexOf('=');
        if (eq > 0 && part.slice(0, eq).trim() === names.binding) {
          const value = part.slice(eq + 1).trim();
          return BINDING_SHAPE.test(value) ? value : null;
        }
      }
      return null;
    },
    ensure(ctx) {
      const existing = read(ctx);
      if (existing) return existing;
      const value = randomBytes(32).toString('base64url');
      ctx.cookies.set(names.binding, value, attributes);
      return value;
    },
  };
}

/** Compares a request's binding with the hash a handoff carries, in constant time. */
export function bindingMatches(binding: string | null, sealedHash: string): boolean {
  // A missing cookie is no secret; only the comparison of values must not leak timing.
  if (binding === null) return false;
  const expected = Buffer.from(sealedHash, 'base64url');
  const actual = Buffer.from(hashBinding(binding), 'base64url');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
