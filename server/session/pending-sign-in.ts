/**
 * A sign-in half done: the password was right, and the account asks for an authentication
 * code before any session is made. What is waiting (the account, its credential version,
 * "Remember me") travels in a sealed cookie of its own (purpose `second-factor`): the
 * browser can neither read nor write it, so the account the code is checked for is never
 * one the client names. It is bound to the browser that gave the password (the hash of its
 * binding cookie, compared in constant time), lasts a few minutes, and grants nothing by
 * itself: only a correct code turns it into a sign-in, at the credential version sealed in
 * it, so a password change meanwhile voids it.
 */
import type Koa from 'koa';
import * as v from 'valibot';
import type { KeyRing } from '../keys/keyring.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';
import { bindingMatches } from './binding.ts';
import { type CookieNames, cookieAttributes, mayCarryCookie, UNSIGNED } from './cookies.ts';

/** How long a code can be given after the password: long enough to open an app, or find a recovery code. */
export const PENDING_SIGN_IN_MS = 5 * 60 * 1000;

const Sealed = v.strictObject({
  accountId: v.string(),
  credentialVersion: v.pipe(v.number(), v.integer(), v.minValue(0)),
  remember: v.boolean(),
  /** SHA-256 (base64url) of the binding cookie of the browser that gave the password. */
  bind: v.string(),
  /** When it stops counting (ms since the epoch); the cookie's own expiry is the browser's word only. */
  exp: v.number(),
});

/** The sign-in waiting for its code. */
export interface PendingSignIn {
  accountId: string;
  credentialVersion: number;
  remember: boolean;
  /** When it can no longer be completed (ms since the epoch): the caller checks it at use. */
  exp: number;
}

export interface PendingSignIns {
  /** Seals the waiting sign-in for the browser whose binding hashes to `bindingHash`. */
  set(ctx: Koa.Context, signIn: Omit<PendingSignIn, 'exp'>, bindingHash: string, now: number): void;
  /** The sign-in waiting in this request's cookie, when sealed by Baton for this browser and still current. */
  read(ctx: Koa.Context, binding: string | null, now: number): PendingSignIn | null;
  /** The same from a raw Cookie header (a live socket's upgrade). */
  fromHeader(header: string | undefined, binding: string, now: number): PendingSignIn | null;
  /** Forgets it (a sign-in completed, or a sign-out). */
  clear(ctx: Koa.Context): void;
}

export function createPendingSignIns(names: CookieNames, ring: KeyRing): PendingSignIns {
  const attributes = cookieAttributes(names);
  const open = (token: string | undefined, binding: string | null, now: number) => {
    if (!token || binding === null) return null;
    const box = openBox(ring, 'second-factor', token);
    if (!box.ok) return null;
    let parsed: v.SafeParseResult<typeof Sealed>;
    try {
      parsed = v.safeParse(Sealed, JSON.parse(box.plaintext.toString('utf8')));
    } catch {
      return null;
    }
    if (!parsed.success) return null;
    const { bind, ...pending } = parsed.output;
    if (now >= pending.exp || !bindingMatches(binding, bind)) return null;
    return pending;
  };
  return {
    set(ctx, signIn, bindingHash, now) {
      const sealed: v.InferOutput<typeof Sealed> = {
        accountId: signIn.accountId,
        credentialVersion: signIn.credentialVersion,
        remember: signIn.remember,
        bind: bindingHash,
        exp: now + PENDING_SIGN_IN_MS,
      };
      const token = sealBox(ring, 'second-factor', Buffer.from(JSON.stringify(sealed), 'utf8'));
      ctx.cookies.set(names.pendingSignIn, token, { ...attributes, maxAge: PENDING_SIGN_IN_MS });
    },
    read: (ctx, binding, now) => open(ctx.cookies.get(names.pendingSignIn, UNSIGNED), binding, now),
    fromHeader: (header, binding, now) =>
      open(cookieFromHeader(header, names.pendingSignIn), binding, now),
    clear(ctx) {
      if (
        mayCarryCookie(ctx, names.pendingSignIn) &&
        ctx.cookies.get(names.pendingSignIn, UNSIGNED)
      )
        ctx.cookies.set(names.pendingSignIn, null, attributes);
    },
  };
}

/** The value of cookie `name` in a raw Cookie header, if there. */
function cookieFromHeader(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
