/**
 * Holds the client's hand-written guards to the valibot `ServerMessage` schema, the
 * protocol's one definition: over valid messages, mutated messages and random JSON, each
 * guard accepts exactly what the schema accepts, among the message types it is for.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { SESSION_END_REASONS, ServerMessage } from '../../shared/protocol.ts';
import { isPageMessage, isServerMessage, isSessionsMessage } from '../../shared/protocol-guard.ts';

const RUNS = 3000;

const schemaAccepts = (value: unknown) => v.safeParse(ServerMessage, value).success;

const typeOf = (value: unknown): unknown =>
  value && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;

/** Each guard, and what the schema accepts among the types it is for. */
const GUARDS: ReadonlyArray<
  [name: string, guard: (value: unknown) => boolean, expected: (value: unknown) => boolean]
> = [
  ['isServerMessage', isServerMessage, schemaAccepts],
  ['isPageMessage', isPageMessage, (value) => schemaAccepts(value) && typeOf(value) !== 'sessions'],
  [
    'isSessionsMessage',
    isSessionsMessage,
    (value) => schemaAccepts(value) && typeOf(value) === 'sessions',
  ],
];

/** The guard judges parsed frames: every value goes through JSON text first, as on the wire. */
const asFrame = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

const ref = fc.oneof(
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(1, 2, Number.MAX_SAFE_INTEGER),
);
const text = fc.oneof(fc.string(), fc.constantFrom('', 'login.failed', '__proto__'));
const errors = fc.record({ email: text, password: text }, { requiredKeys: [] });
const time = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(0),
);
const sessionView = fc.record({
  handle: text,
  device: text,
  ip: text,
  signedInAt: time,
  lastActiveAt: time,
  current: fc.boolean(),
});

const validMessage = fc.oneof(
  fc.record({ type: fc.constant('validated'), ref, errors }),
  fc.record({ type: fc.constant('accepted'), ref, handoff: text }),
  fc.record({ type: fc.constant('refused'), ref, code: text, message: text, errors }),
  fc.record({
    type: fc.constant('error'),
    ref: fc.oneof(ref, fc.constant(null)),
    code: text,
    message: text,
  }),
  fc.record({
    type: fc.constant('session-ended'),
    reason: fc.constantFrom(...SESSION_END_REASONS),
  }),
  fc.record({ type: fc.constant('signed-in') }),
  fc.record({
    type: fc.constant('sessions'),
    ref: fc.oneof(ref, fc.constant(null)),
    sessions: fc.array(sessionView, { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('passkey-options'),
    ref,
    options: fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  }),
);

/** Values chosen to sit on either side of each rule. */
const edgeValue = fc.constantFrom<unknown>(
  0,
  -1,
  1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  1e300,
  null,
  true,
  '',
  '1',
  'validated',
  'signed-out',
  [],
  ['validated'],
  {},
  { email: 'x' },
  { email: 1 },
  { name: 'x' },
  { constructor: 1 },
  { prototype: 'x' },
);
const anyValue = fc.oneof(edgeValue, fc.jsonValue({ maxDepth: 2 }));

/** Keys worth adding: the protocol's own, valibot's special cases, and random ones. */
const key = fc.oneof(
  fc.constantFrom(
    'type',
    'ref',
    'errors',
    'handoff',
    'code',
    'message',
    'reason',
    'sessions',
    'handle',
    'device',
    'current',
    'options',
    'email',
    'password',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
  ),
  fc.string({ maxLength: 8 }),
);

type Mutation = (message: Record<string, unknown>) => unknown;

/** Sets an own, enumerable property, even `__proto__` (as JSON.parse would). */
function withKey(object: object, name: string, value: unknown): Record<string, unknown> {
  const copy = { ...object };
  Object.defineProperty(copy, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Drop a key.
  fc.nat().map((n) => (m: Record<string, unknown>) => {
    const keys = Object.keys(m);
    const { [keys[n % keys.length] as string]: _, ...rest } = m;
    return rest;
  }),
  // Add or replace a key.
  fc.tuple(key, anyValue).map(
    ([name, value]) =>
      (m: Record<string, unknown>) =>
        withKey(m, name, value),
  ),
  // Replace the value of an existing key.
  fc.tuple(fc.nat(), anyValue).map(([n, value]) => (m: Record<string, unknown>) => {
    const keys = Object.keys(m);
    return withKey(m, keys[n % keys.length] as string, value);
  }),
  // Add a key to the errors, when there are any.
  fc.tuple(key, anyValue).map(([name, value]) => (m: Record<string, unknown>) => {
    const current = m.errors;
    return current && typeof current === 'object'
      ? { ...m, errors: withKey(current, name, value) }
      : m;
  }),
  // Change a key of the first session, when there is one.
  fc
    .tuple(key, anyValue, fc.boolean())
    .map(([name, value, drop]) => (m: Record<string, unknown>) => {
      const [first, ...rest] = Array.isArray(m.sessions) ? m.sessions : [];
      if (!first || typeof first !== 'object') return m;
      const { [name]: _, ...without } = first as Record<string, unknown>;
      return { ...m, sessions: [drop ? without : withKey(first, name, value), ...rest] };
    }),
  // Not an object at all.
  anyValue.map((value) => () => value),
);

const mutatedMessage = fc
  .tuple(validMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([message, changes]) =>
    changes.reduce<unknown>(
      (value, change) =>
        value && typeof value === 'object' && !Array.isArray(value)
          ? change(value as Record<string, unknown>)
          : value,
      message,
    ),
  );

/** Objects made mostly of the protocol's own keys, so the random ones come close. */
const protocolShaped = fc.dictionary(key, fc.oneof(anyValue, ref, text), { maxKeys: 6 });

describe.each(GUARDS)('%s', (_name, guard, expected) => {
  it('accepts every valid server message of its types, as the schema does', () => {
    fc.assert(
      fc.property(validMessage, (message) => {
        const frame = asFrame(message);
        expect(schemaAccepts(frame)).toBe(true);
        expect(guard(frame)).toBe(expected(frame));
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with the schema on mutated messages', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutatedMessage, (value) => {
        const frame = asFrame(value);
        const accepts = expected(frame);
        if (accepts) accepted++;
        expect(guard(frame)).toBe(accepts);
      }),
      { numRuns: RUNS },
    );
    // Both answers occur, so the property says something.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(RUNS);
  });

  it('agrees with the schema on random JSON and protocol-shaped objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), protocolShaped), (value) => {
        const frame = asFrame(value);
        expect(guard(frame)).toBe(expected(frame));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.json(), (json) => {
        const frame: unknown = JSON.parse(json);
        expect(guard(frame)).toBe(expected(frame));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['a negative zero ref', '{"type":"accepted","ref":-0,"handoff":"h"}'],
    ['a ref written with an exponent', '{"type":"accepted","ref":1e0,"handoff":"h"}'],
    ['a fractional ref', '{"type":"accepted","ref":1.5,"handoff":"h"}'],
    ['a ref past the safe integers', '{"type":"accepted","ref":9007199254740992,"handoff":"h"}'],
    ['an own __proto__ key', '{"type":"accepted","ref":1,"handoff":"h","__proto__":{}}'],
    ['errors as an empty array', '{"type":"validated","ref":1,"errors":[]}'],
    ['errors as a non-empty array', '{"type":"validated","ref":1,"errors":["x"]}'],
    ['errors with a constructor key', '{"type":"validated","ref":1,"errors":{"constructor":1}}'],
    ['errors with an own __proto__ key', '{"type":"validated","ref":1,"errors":{"__proto__":1}}'],
    ['errors with an unknown field', '{"type":"validated","ref":1,"errors":{"name":"x"}}'],
    ['an error without a ref', '{"type":"error","ref":null,"code":"c","message":"m"}'],
    ['an unknown session end reason', '{"type":"session-ended","reason":"bored"}'],
    ['a type inherited from nowhere', '{"ref":1,"handoff":"h"}'],
    ['a type that is an array', '{"type":["accepted"],"ref":1,"handoff":"h"}'],
    ['a sign-in in another tab', '{"type":"signed-in"}'],
    ['a sessions push', '{"type":"sessions","ref":null,"sessions":[]}'],
    ['a sessions answer', '{"type":"sessions","ref":3,"sessions":[]}'],
    ['a sessions message with a stray key', '{"type":"sessions","ref":3,"sessions":[],"x":1}'],
    [
      'a session with a type key',
      '{"type":"sessions","ref":null,"sessions":[{"type":"x","handle":"h","device":"d","ip":"","signedInAt":1,"lastActiveAt":2,"current":true}]}',
    ],
    ['passkey options as an array', '{"type":"passkey-options","ref":1,"options":[]}'],
    ['passkey options as null', '{"type":"passkey-options","ref":1,"options":null}'],
    ['passkey options as text', '{"type":"passkey-options","ref":1,"options":"{}"}'],
    [
      'passkey options with a __proto__ key',
      '{"type":"passkey-options","ref":1,"options":{"__proto__":1}}',
    ],
  ])('agrees with the schema on %s', (_name, json) => {
    const frame: unknown = JSON.parse(json);
    expect(guard(frame)).toBe(expected(frame));
  });
});
