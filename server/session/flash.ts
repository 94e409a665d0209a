/**
 * Flash messages: shown once on the next page. They travel in a sealed cookie rather than
 * the session, so a refused handoff can report why without writing any session.
 */
import type Koa from 'koa';
import * as v from 'valibot';
import type { Flash } from '../../shared/page.ts';
import type { KeyRing } from '../keys/keyring.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';
import { BASE_COOKIE, FLASH_COOKIE } from './cookies.ts';

const FlashList = v.array(v.strictObject({ kind: v.picklist(['info', 'error']), text: v.string() }));
const MAX_AGE_MS = 5 * 60 * 1000;

/** Queues messages for the next page this browser loads. */
export function setFlash(ctx: Koa.Context, ring: KeyRing, flash: readonly Flash[]): void {
  if (flash.length === 0) return;
  const token = sealBox(ring, 'flash', Buffer.from(JSON.stringify(flash), 'utf8'));
  ctx.cookies.set(FLASH_COOKIE, token, { ...BASE_COOKIE, maxAge: MAX_AGE_MS });
}

/** Returns the queued messages and clears them, so a reload shows none. */
export function takeFlash(ctx: Koa.Context, ring: KeyRing): Flash[] {
  const token = ctx.cookies.get(FLASH_COOKIE);
  if (!token) return [];
  ctx.cookies.set(FLASH_COOKIE, null, BASE_COOKIE);
  const box = openBox(ring, 'flash', token);
  if (!box.ok) return [];
  try {
    const parsed = v.safeParse(FlashList, JSON.parse(box.plaintext.toString('utf8')));
    return parsed.success ? parsed.output : [];
  } catch {
    return [];
  }
}
