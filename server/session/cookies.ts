/** The names and shared attributes of every cookie Baton sets. */

/** The opaque session id (signed with the key ring); the data lives in the store. */
export const SESSION_COOKIE = 'baton.sid';
/** A random per-browser value that handoffs are bound to; nothing about it is stored. */
export const BINDING_COOKIE = 'baton.bind';
/** Flash messages for the next page, sealed so the browser can neither read nor forge them. */
export const FLASH_COOKIE = 'baton.flash';

/** Attributes every Baton cookie shares: never readable by scripts, not sent on cross-site posts. */
export const BASE_COOKIE = Object.freeze({
  httpOnly: true,
  sameSite: 'lax' as const,
  path: '/',
  overwrite: true,
});
