/**
 * Flash messages: shown once on the next page. They travel in a sealed cookie rather than
 * the session, so a refused handoff can report why without writing any session.
 */
import type Koa from 'koa';
import * as v from 'valibot';
import { FLASH_KINDS, type Flash } from '../../shared/page.ts';
import type { KeyRing } from '../keys/keyring.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';
import { type CookieNames, cookieAttributes, UNSIGNED } from './cookies.ts';

/** A list of flash messages, as a sealed flash cookie or a handoff's claims carry it. */
export const FlashList = v.array(
  v.strictObject({ kind: v.picklist(FLASH_KINDS), text: v.string() }),
);
const MAX_AGE_MS = 5 * 60 * 1000;

export interface FlashCookie {
  /**
   * Queues messages for the next page this browser loads, after any this request queued
   * already (a session found ended, then the page that needs a sign-in, both say so).
   */
  set(ctx: Koa.Context, flash: readonly Flash[]): void;
  /**
   * Returns the queued messages (the request's, then any this request set) and clears
   * them, so a reload shows none.
   */
  take(ctx: Koa.Context): Flash[];
  /** The messages this request has queued so far. */
  queued(ctx: Koa.Context): readonly Flash[];
}

export function createFlashCookie(names: CookieNames, ring: KeyRing): FlashCookie {
  const attributes = cookieAttributes(names);
  // Messages queued by this very request, so a page rendered by it shows them at once
  // instead of leaving them for the next one (the cookie it sets is then cleared).
  const queued = new WeakMap<Koa.Context, readonly Flash[]>();
  const open = (token: string): Flash[] => {
    const box = openBox(ring, 'flash', token);
    if (!box.ok) return [];
    try {
      const parsed = v.safeParse(FlashList, JSON.parse(box.plaintext.toString('utf8')));
      return parsed.success ? parsed.output : [];
    } catch {
      return [];
    }
  };
  return {
    set(ctx, more) {
      if (more.length === 0) return;
      const flash = [...(queued.get(ctx) ?? []), ...more];
      queued.set(ctx, flash);
      const token = sealBox(ring, 'flash', Buffer.from(JSON.stringify(flash), 'utf8'));
      ctx.cookies.set(names.flash, token, { ...attributes, maxAge: MAX_AGE_MS });
    },
    queued: (ctx) => queued.get(ctx) ?? [],
    take(ctx) {
      const setHere = queued.get(ctx) ?? [];
      queued.delete(ctx);
      const token = ctx.cookies.get(names.flash, UNSIGNED);
      if (!token && setHere.length === 0) return [];
      ctx.cookies.set(names.flash, null, attributes);
      return [...(token ? open(token) : []), ...setHere];
    },
  };
}
