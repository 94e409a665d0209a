/**
 * `isServerMessage`: the client's check of a server frame, written by hand.
 *
 * Why not `v.safeParse(ServerMessage, …)`: valibot's runtime, even for a minimal schema,
 * takes a large share of the page script's 8 KB budget. The protocol is still
 * defined once, in `shared/protocol.ts`: this guard is held to the `ServerMessage` schema by
 * a property test (test/shared/protocol-guard.test.ts) that checks they accept exactly the
 * same values over generated messages, mutated messages and random JSON. It mirrors
 * valibot's rules, quirks included (see `isFieldErrors`), so the two cannot disagree.
 * Change a server message there and this guard together.
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
const isFieldErrors: Check = (value) => {
  if (!isObject(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || SKIPPED_KEYS.includes(key)) continue;
    if (!(FIELD_NAMES as readonly string[]).includes(key) || !isString(value[key])) return false;
  }
  return true;
};

/** `v.strictObject(shape)`: every key of the shape present and valid, and no other key. */
function isExactly(value: Record<string, unknown>, shape: Shape): boolean {
  for (const key in shape) if (!(key in value) || !shape[key]?.(value[key])) return false;
  for (const key in value) if (!Object.hasOwn(shape, key)) return false;
  return true;
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

/**
 * One shape per `type`, as the variants of `ServerMessage` list them. `type` itself is
 * checked by the lookup (its value is the key that chose the shape).
 */
const SHAPES: Readonly<Record<ServerMessage['type'], Shape>> = {
  validated: { type: isString, ref: isRef, errors: isFieldErrors },
  accepted: { type: isString, ref: isRef, handoff: isString },
  refused: {
    type: isString,
    ref: isRef,
    code: isString,
    message: isString,
    errors: isFieldErrors,
  },
  error: {
    type: isString,
    ref: (value) => value === null || isRef(value),
    code: isString,
    message: isString,
  },
  'session-ended': {
    type: isString,
    reason: (value) => (SESSION_END_REASONS as readonly unknown[]).includes(value),
  },
  'signed-in': { type: isString },
  sessions: {
    type: isString,
    ref: (value) => value === null || isRef(value),
    sessions: (value) => Array.isArray(value) && value.every(isSessionView),
  },
  // v.record(v.string(), v.unknown()): any truthy object.
  'passkey-options': { type: isString, ref: isRef, options: isObject },
};

/**
 * True when `value` (a parsed JSON frame) is a `ServerMessage`: exactly what
 * `v.safeParse(ServerMessage, value)` accepts.
 *
 * @example
 * const frame: unknown = JSON.parse(text);
 * if (isServerMessage(frame)) handle(frame);
 */
export function isServerMessage(value: unknown): value is ServerMessage {
  if (!isObject(value) || typeof value.type !== 'string' || !Object.hasOwn(SHAPES, value.type))
    return false;
  return isExactly(value, SHAPES[value.type as ServerMessage['type']]);
}
