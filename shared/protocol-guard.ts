/**
 * The client's checks of a server frame, written by hand: `isPageMessage` for the messages
 * every page takes, `isSessionsMessage` for the one only the sessions page asks for, and
 * `isServerMessage`, either of them.
 *
 * Why not `v.safeParse(ServerMessage, …)`: valibot's runtime, even for a minimal schema,
 * takes a large share of the page script's 8 KB budget. The protocol is still
 * defined once, in `shared/protocol.ts`: these guards are held to the `ServerMessage` schema
 * by a property test (test/shared/protocol-guard.test.ts) that checks they accept exactly
 * the same values (each guard its own message types) over generated messages, mutated
 * messages and random JSON. They mirror valibot's rules, quirks included (see
 * `isFieldErrors`), so the two cannot disagree. Change a server message there and these
 * guards together.
 *
 * Two guards rather than one: the log-in page's script carries only what it checks, and the
 * sessions' shape is a good share of the whole (a page's socket takes `isPageMessage`
 * unless the page asks for more; see client/live/sessions-socket.ts).
 */
import { FIELD_NAMES, SESSION_END_REASONS, type ServerMessage } from './protocol.ts';

type Check = (value: unknown) => boolean;
type Shape = Readonly<Record<string, Check>>;

// valibot's `object`, `record` and `variant` take any truthy object, arrays included.
const isObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object';
const isString: Check = (value) => typeof value === 'string';
// v.pipe(v.number(), v.safeInteger(), v.minValue(1))
const isRef: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 1;

/**
 * `v.record(v.picklist(FIELD_NAMES), v.string())`. valibot's record skips the keys
 * `__proto__`, `prototype` and `constructor` (it drops them from its output), so they pass.
 */
const SKIPPED_KEYS = ['__proto__', 'prototype', 'constructor'];
const isFieldErrors: Check = (value) =>
  isObject(value) &&
  Object.keys(value).every(
    (key) =>
      SKIPPED_KEYS.includes(key) ||
      ((FIELD_NAMES as readonly string[]).includes(key) && isString(value[key])),
  );

/**
 * `v.strictObject(shape)`: every key of the shape present and valid, and no other key but
 * `checked`, one the caller checked already (a message's `type`, whose value chose the shape).
 */
const isExactly = (value: Record<string, unknown>, shape: Shape, checked?: string): boolean =>
  Object.keys(shape).every((key) => key in value && shape[key]?.(value[key])) &&
  Object.keys(value).every((key) => key === checked || Object.hasOwn(shape, key));

/** The server messages every page takes: all but `sessions`, which a page has to ask for. */
export type PageMessage = Exclude<ServerMessage, { type: 'sessions' }>;
/** The account's sessions, for the sessions page (the answer to `watch-sessions`, and pushes). */
export type SessionsMessage = Extract<ServerMessage, { type: 'sessions' }>;

/**
 * One shape per `type`, as the variants of `ServerMessage` list them (`sessions` aside),
 * but `type` itself, which the lookup checks (its value is the key that chose the shape).
 */
const PAGE_SHAPES: Readonly<Record<PageMessage['type'], Shape>> = {
  validated: { ref: isRef, errors: isFieldErrors },
  accepted: { ref: isRef, handoff: isString },
  refused: {
    ref: isRef,
    code: isString,
    message: isString,
    errors: isFieldErrors,
  },
  error: {
    ref: (value) => value === null || isRef(value),
    code: isString,
    message: isString,
  },
  'session-ended': {
    reason: (value) => (SESSION_END_REASONS as readonly unknown[]).includes(value),
  },
  'signed-in': {},
  // v.record(v.string(), v.unknown()): any truthy object.
  'passkey-options': { ref: isRef, options: isObject },
};

/**
 * True when `value` (a parsed JSON frame) is a `PageMessage`: exactly what
 * `v.safeParse(ServerMessage, value)` accepts, `sessions` aside.
 *
 * @example
 * const frame: unknown = JSON.parse(text);
 * if (isPageMessage(frame)) handle(frame);
 */
export function isPageMessage(value: unknown): value is PageMessage {
  if (!isObject(value) || typeof value.type !== 'string' || !Object.hasOwn(PAGE_SHAPES, value.type))
    return false;
  return isExactly(value, PAGE_SHAPES[value.type as PageMessage['type']], 'type');
}

const isNumber: Check = (value) => typeof value === 'number' && !Number.isNaN(value);
const SESSION_VIEW: Shape = {
  handle: isString,
  device: isString,
  ip: isString,
  signedInAt: isNumber,
  lastActiveAt: isNumber,
  current: (value) => typeof value === 'boolean',
};
const isSessionView: Check = (value) => isObject(value) && isExactly(value, SESSION_VIEW);

const SESSIONS_SHAPE: Shape = {
  ref: (value) => value === null || isRef(value),
  sessions: (value) => Array.isArray(value) && value.every(isSessionView),
};

/** True when `value` is a `sessions` message: what the schema accepts with that type. */
export function isSessionsMessage(value: unknown): value is SessionsMessage {
  return isObject(value) && value.type === 'sessions' && isExactly(value, SESSIONS_SHAPE, 'type');
}

/**
 * True when `value` is a `ServerMessage`: exactly what `v.safeParse(ServerMessage, value)`
 * accepts.
 */
export function isServerMessage(value: unknown): value is ServerMessage {
  return isPageMessage(value) || isSessionsMessage(value);
}
