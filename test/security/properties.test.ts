/**
 * Property tests with fast-check: what no hand-picked example can cover.
 *  - 100,000 mutations of valid handoffs are all refused with a typed code, and none throws.
 *  - 100,000 random frames through the live connection handler each get exactly one reply,
 *    a valid ServerMessage of the right type, and nothing throws; then 2,000 over a real
 *    socket against the real server, which keeps answering.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPasswordHasher } from '../../server/accounts/password.ts';
import { createPasswordGate } from '../../server/accounts/password-gate.ts';
import { DEFAULT_LIMITS } from '../../server/config.ts';
import { type HandoffOpenError, openHandoff, sealHandoff } from '../../server/handoff/seal.ts';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { createLimiters } from '../../server/limits/limits.ts';
import { serveConnection } from '../../server/live/connection.ts';
import { createLogger } from '../../server/logger.ts';
import { createLocalSessionEvents } from '../../server/session/events.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { createTwoFactor } from '../../server/two-factor/two-factor.ts';
import { ClientMessage, MAX_FRAME_BYTES, ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';
import { type RunningServer, startServer, TEST_SECRET } from '../helpers/start-server.ts';

const RUNS = 100_000;
/** Fixed, so a failure reproduces; fast-check prints the seed and path of any counterexample. */
const SEED = 0x0ba70;

describe('openHandoff under mutation', () => {
  const ring = createKeyRing([TEST_SECRET]);
  const NOW = 1_800_000_000_000;
  const pool = Array.from({ length: 12 }, (_, i) =>
    sealHandoff(
      ring,
      {
        binding: `binding-${i}`,
        destination: i % 2 ? '/account' : '/change-password',
        change: {
          kind: 'sign-in',
          accountId: `account-${i}`,
          credentialVersion: i,
          remember: i % 3 === 0,
        },
        flash: Array.from({ length: i % 4 }, (_, j) => ({
          kind: 'info' as const,
          text: 'x'.repeat(j * 7),
        })),
      },
      { ttlSeconds: 60, now: NOW },
    ),
  );
  const valid = new Set(pool);
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const CODES = new Set<HandoffOpenError>([
    'handoff.malformed',
    'handoff.tampered',
    'handoff.unknown-key',
    'handoff.wrong-purpose',
    'handoff.expired',
  ]);

  const base = fc.nat({ max: pool.length - 1 });
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('bit-flip'), base, at: fc.nat(), bit: fc.nat({ max: 7 }) }),
    fc.record({
      kind: fc.constant('byte-replace'),
      base,
      at: fc.nat(),
      delta: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('truncate-bytes'), base, keep: fc.nat() }),
    fc.record({ kind: fc.constant('truncate-chars'), base, keep: fc.nat() }),
    fc.record({
      kind: fc.constant('insert-bytes'),
      base,
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
    }),
    fc.record({
      kind: fc.constant('insert-chars'),
      base,
      at: fc.nat(),
      text: fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }),
    }),
    fc.record({
      kind: fc.constant('delete-chars'),
      base,
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 16 }),
    }),
    fc.record({
      kind: fc.constant('substitute-char'),
      base,
      at: fc.nat(),
      shift: fc.integer({ min: 1, max: 63 }),
    }),
    fc.record({ kind: fc.constant('concatenate'), base, other: base, asBytes: fc.boolean() }),
    fc.record({ kind: fc.constant('splice'), base, other: base, cut: fc.nat() }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(m: Mutation): string {
    const token = pool[m.base] as string;
    const bytes = Buffer.from(token, 'base64url');
    switch (m.kind) {
      case 'bit-flip': {
        const out = Buffer.from(bytes);
        const at = m.at % out.length;
        out[at] = (out[at] as number) ^ (1 << m.bit);
        return out.toString('base64url');
      }
      case 'byte-replace': {
        const out = Buffer.from(bytes);
        const at = m.at % out.length;
        out[at] = ((out[at] as number) + m.delta) % 256;
        return out.toString('base64url');
      }
      case 'truncate-bytes':
        return bytes.subarray(0, m.keep % bytes.length).toString('base64url');
      case 'truncate-chars':
        return token.slice(0, m.keep % token.length);
      case 'insert-bytes': {
        const at = m.at % (bytes.length + 1);
        return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]).toString(
          'base64url',
        );
      }
      case 'insert-chars': {
        const at = m.at % (token.length + 1);
        return token.slice(0, at) + m.text + token.slice(at);
      }
      case 'delete-chars': {
        const at = m.at % token.length;
        return token.slice(0, at) + token.slice(at + m.count);
      }
      case 'substitute-char': {
        const at = m.at % token.length;
        const replacement =
          ALPHABET[(ALPHABET.indexOf(token[at] as string) + m.shift) % ALPHABET.length];
        return token.slice(0, at) + replacement + token.slice(at + 1);
      }
      case 'concatenate': {
        const other = pool[m.other] as string;
        return m.asBytes
          ? Buffer.concat([bytes, Buffer.from(other, 'base64url')]).toString('base64url')
          : token + other;
      }
      case 'splice': {
        // The front of one handoff on the back of another (at the same offset).
        const other = Buffer.from(pool[m.other] as string, 'base64url');
        const cut = m.cut % Math.min(bytes.length, other.length);
        return Buffer.concat([bytes.subarray(0, cut), other.subarray(cut)]).toString('base64url');
      }
    }
  }

  it('opens every unmutated handoff of the pool (so the refusals below are the mutations)', () => {
    for (const token of pool) expect(openHandoff(ring, token, NOW + 1000).ok).toBe(true);
  });

  it(`refuses ${RUNS.toLocaleString('en')} random mutations of valid handoffs with a typed code, never throwing`, () => {
    const kinds = new Map<string, number>();
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(mutation, (m) => {
        const token = mutate(m);
        // A splice at a point where both handoffs agree (the shared header) rebuilds one of them.
        fc.pre(!valid.has(token));
        const result = openHandoff(ring, token, NOW + 1000);
        if (result.ok) throw new Error(`a ${m.kind} mutation opened: ${token}`);
        if (!CODES.has(result.code)) throw new Error(`untyped refusal ${String(result.code)}`);
        kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
        codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Every kind of mutation ran many times and every structural refusal was reached.
    expect([...kinds.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(kinds.size).toBe(10);
    for (const count of kinds.values()) expect(count).toBeGreaterThan(RUNS / 20);
    for (const code of [
      'handoff.malformed',
      'handoff.tampered',
      'handoff.unknown-key',
      'handoff.wrong-purpose',
    ]) {
      expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
    }
  });
});

/** One frame as `ws` delivers it: the bytes and whether it was a binary frame. */
interface Frame {
  data: Buffer;
  isBinary: boolean;
}

const text = (value: string): Frame => ({ data: Buffer.from(value, 'utf8'), isBinary: false });

const validFields = fc.record({
  email: fc.oneof(fc.emailAddress(), fc.constantFrom('a@b.co', 'new@example.com')),
  password: fc.string({ minLength: 8, maxLength: 40 }),
});
const anyRef = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000 }),
  fc.constantFrom(
    0,
    -1,
    -0,
    1.5,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    1e308,
    -1e308,
  ),
  fc.string({ maxLength: 4 }),
  fc.constantFrom(null, true, [], {}),
);
const anyFieldValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'x'.repeat(321), 'y'.repeat(1025)),
  fc.integer(),
  fc.constantFrom(null, true, [], {}),
);
const nearFields = fc.oneof(
  validFields,
  fc.record({ email: anyFieldValue, password: anyFieldValue }, { requiredKeys: [] }),
  fc
    .tuple(validFields, fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }))
    .map(([fields, key, value]) => ({
      ...fields,
      [key]: value,
    })),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Messages close to valid: each part right or wrong in its own way, keys left out or added. */
const nearMessage = fc
  .tuple(
    fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('validate', 'submit'),
          fc.constantFrom('validated', 'accepted', 'error', 'session-ended', 'VALIDATE', ''),
          fc.string({ maxLength: 8 }),
          fc.integer(),
        ),
        ref: anyRef,
        form: fc.oneof(
          fc.constantFrom('login', 'signup'),
          fc.string({ maxLength: 8 }),
          fc.constant(null),
        ),
        fields: nearFields,
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'extra', 'refs'),
      fc.jsonValue({ maxDepth: 1 }),
      { maxKeys: 2 },
    ),
  )
  .map(([message, extra]) => ({ ...message, ...extra }));
const validMessage = fc.record({
  type: fc.constantFrom('validate', 'submit'),
  ref: fc.integer({ min: 1, max: 1_000_000 }),
  form: fc.constantFrom('login', 'signup'),
  fields: validFields,
});
/** Number literals JSON.stringify never writes, spliced in as the ref. */
const oddNumberFrame = fc
  .tuple(
    validMessage,
    fc.constantFrom(
      '1e400',
      '-1e400',
      '1E2',
      '0.1e1',
      '9007199254740993',
      '-0',
      '1.0',
      '0x10',
      '01',
    ),
  )
  .map(([message, literal]) =>
    text(JSON.stringify({ ...message, ref: '#' }).replace('"#"', literal)),
  );

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 300, unit: 'binary' }).map(text), weight: 2 },
  { arbitrary: fc.json({ maxDepth: 4 }).map(text), weight: 2 },
  { arbitrary: nearMessage.map((m) => text(JSON.stringify(m))), weight: 5 },
  { arbitrary: validMessage.map((m) => text(JSON.stringify(m))), weight: 1 },
  { arbitrary: oddNumberFrame, weight: 1 },
  {
    arbitrary: fc
      .uint8Array({ maxLength: 256 })
      .map((bytes) => ({ data: Buffer.from(bytes), isBinary: true })),
    weight: 1,
  },
);

/**
 * What a frame must get back, judged from the schema (the specification) rather than from
 * the handler: null when `raw` is right, else what is wrong with it.
 */
function judgeReply(sent: Frame, raw: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return `a reply that is not JSON: ${raw}`;
  }
  const reply = v.safeParse(ServerMessage, json);
  if (!reply.success) return `a reply that is not a ServerMessage: ${raw}`;
  const message = reply.output;
  if (sent.isBinary) {
    const expected = {
      type: 'error',
      ref: null,
      code: 'frame.binary',
      message: 'Frames must be JSON text.',
    };
    return JSON.stringify(message) === JSON.stringify(expected)
      ? null
      : `binary frame answered with ${raw}`;
  }
  const textSent = sent.data.toString();
  let parsedFrame: unknown;
  let isJson = true;
  try {
    parsedFrame = JSON.parse(textSent);
  } catch {
    isJson = false;
  }
  const request = isJson ? v.safeParse(ClientMessage, parsedFrame) : null;
  if (!request?.success) {
    const rawRef = (parsedFrame as { ref?: unknown } | null | undefined)?.ref;
    const ref =
      typeof rawRef === 'number' && Number.isSafeInteger(rawRef) && rawRef > 0 ? rawRef : null;
    if (message.type !== 'error' || message.code !== 'frame.invalid')
      return `invalid frame answered with ${raw}`;
    if (message.ref !== ref)
      return `invalid frame with ref ${String(ref)} answered with ref ${String(message.ref)}`;
    return message.message.startsWith('Unreadable frame: ')
      ? null
      : `unexpected error words: ${raw}`;
  }
  const { type, ref } = request.output;
  if (!('ref' in message) || message.ref !== ref)
    return `${type} ${ref} answered with another ref: ${raw}`;
  const allowed = type === 'validate' ? ['validated'] : ['accepted', 'refused'];
  return allowed.includes(message.type) ? null : `${type} answered with ${raw}`;
}

describe('the live connection handler under random frames', () => {
  let store: ReturnType<typeof openSqliteStore>;
  beforeAll(() => {
    store = openSqliteStore({ file: ':memory:' });
  });
  afterAll(() => store.close());

  async function connect(): Promise<FakeSocket> {
    const hasher = createPasswordHasher({ memoryCost: 8, timeCost: 1, parallelism: 1 });
    // Limits out of the way: this is about parsing and answering every frame, and the
    // sign-in and sign-up paths behind a valid submit. The real-socket run below keeps them.
    const unlimited = 1_000_000_000;
    const limiters = createLimiters({
      ...DEFAULT_LIMITS,
      loginFailsPerAccount: unlimited,
      loginFailsPerIp: unlimited,
      signupsPerIp: unlimited,
      framesPerSocket: unlimited,
    });
    const socket = new FakeSocket();
    serveConnection(
      socket as unknown as Parameters<typeof serveConnection>[0],
      {
        binding: 'b'.repeat(43),
        sessionRef: null,
        accountId: null,
        ip: '192.0.2.1',
        id: 'fuzzed-socket',
        pendingSignIn: null,
      },
      {
        forms: {
          store,
          hasher,
          gate: createPasswordGate({
            concurrency: 1,
            perIp: unlimited,
            perAccount: unlimited,
            queueLimit: unlimited,
          }),
          limiters,
          decoyHash: await hasher.hash('decoy'),
          events: createLocalSessionEvents(),
          mail: {
            passwordChanged: () => {},
            twoFactorDisabled: () => {},
            passwordReset: () => {},
            loginLink: () => {},
            accountDeleted: () => {},
            newDevice: () => {},
            confirmEmail: () => {},
            emailChange: () => {},
            emailChanged: () => {},
            passkeyAdded: () => {},
            passkeyRemoved: () => {},
          },
          twoFactor: createTwoFactor({
            store: store.twoFactor,
            ring: createKeyRing([TEST_SECRET]),
          }),
          logger: createLogger({ level: 'silent' }),
        },
        limiters,
        ring: createKeyRing([TEST_SECRET]),
        handoffTtlSeconds: 60,
        logger: createLogger({ level: 'silent' }),
      },
    );
    return socket;
  }

  it(`answers each of ${RUNS.toLocaleString('en')} random frames with exactly one valid reply of the right type`, async () => {
    const socket = await connect();
    const types = new Map<string, number>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        fc.pre(f.data.length <= MAX_FRAME_BYTES); // ws closes larger frames before the handler
        const before = socket.events.length;
        socket.receive(f.data, f.isBinary);
        sent += 1;
        await socket.eventsAfter(before);
        const event = socket.events[before];
        if (event?.kind !== 'send')
          throw new Error(`a frame closed the socket: ${JSON.stringify(event)}`);
        const wrong = judgeReply(f, event.data);
        if (wrong) throw new Error(wrong);
        const type = (JSON.parse(event.data) as { type: string }).type;
        types.set(type, (types.get(type) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Nothing arrives late either: one reply per frame, no more.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toBe(RUNS);
    expect(socket.events).toHaveLength(RUNS);
    expect(socket.readyState).toBe(socket.OPEN);
    // Each kind of answer was reached, valid requests included.
    for (const type of ['error', 'validated', 'refused', 'accepted'])
      expect(types.get(type) ?? 0, type).toBeGreaterThan(0);
    // A fixed amount of work (RUNS frames), which took over 20 s on a loaded 2-core machine.
  }, 180_000);

  it('answers bursts of frames sent without waiting, one reply per frame, submits in flight included', async () => {
    const socket = await connect();
    const bursts = fc.sample(fc.array(frame, { minLength: 1, maxLength: 40 }), {
      numRuns: 200,
      seed: SEED,
    });
    let total = 0;
    for (const burst of bursts) {
      const before = socket.events.length;
      for (const f of burst) socket.receive(f.data, f.isBinary);
      total += burst.length;
      await socket.eventsAfter(before + burst.length - 1);
      for (const event of socket.events.slice(before)) {
        expect(event.kind).toBe('send');
        if (event.kind === 'send')
          expect(v.safeParse(ServerMessage, JSON.parse(event.data)).success).toBe(true);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.events).toHaveLength(total);
  });
});

describe('the real server under random frames', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  /** A bare socket that keeps what the server sent as text, so nothing is parsed for us. */
  async function open(browser: BrowserSession) {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/live`, {
      headers: { cookie: browser.cookieHeader(), origin: server.origin },
    });
    const replies: string[] = [];
    let closed: number | null = null;
    const changed = new Set<() => void>();
    socket.on('message', (data) => {
      replies.push(data.toString());
      for (const notify of changed) notify();
    });
    socket.on('close', (code) => {
      closed = code;
      for (const notify of changed) notify();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return {
      socket,
      replies,
      get closed() {
        return closed;
      },
      /** Resolves once a reply beyond `count` or a close has arrived. */
      next(count: number): Promise<void> {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('no reply and no close within 5 s')),
            5000,
          );
          const notify = () => {
            if (replies.length > count || closed !== null) {
              clearTimeout(timer);
              changed.delete(notify);
              resolve();
            }
          };
          changed.add(notify);
          notify();
        });
      },
    };
  }

  it('stays up through 2,000 random frames over a real socket, and another socket still gets answers', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const bystander = await open(browser);
    const oversized = fc
      .integer({ min: MAX_FRAME_BYTES + 1, max: 2 * MAX_FRAME_BYTES })
      .map((n) => text('x'.repeat(n)));
    const frames = fc.sample(
      fc.oneof({ arbitrary: frame, weight: 99 }, { arbitrary: oversized, weight: 1 }),
      {
        numRuns: 2000,
        seed: SEED,
      },
    );
    const closes = new Map<number, number>();
    let live = await open(browser);
    for (const f of frames) {
      if (live.closed !== null) live = await open(browser);
      const before = live.replies.length;
      live.socket.send(f.data, { binary: f.isBinary });
      await live.next(before);
      if (live.replies.length > before) {
        expect(live.replies.length).toBe(before + 1);
        expect(judgeReply(f, live.replies[before] as string)).toBeNull();
        continue;
      }
      // A close is the other allowed answer: 1009 for a frame over the limit, 1008 for one
      // over a frame-rate limit, if the server has one.
      const code = live.closed as number;
      expect(f.data.length > MAX_FRAME_BYTES ? [1009] : [1008]).toContain(code);
      closes.set(code, (closes.get(code) ?? 0) + 1);
    }
    expect(closes.get(1009) ?? 0).toBeGreaterThan(0);

    const before = bystander.replies.length;
    bystander.socket.send(
      JSON.stringify({
        type: 'validate',
        ref: 1,
        form: 'login',
        fields: { email: 'a@b.co', password: 'x' },
      }),
    );
    await bystander.next(before);
    expect(JSON.parse(bystander.replies[before] as string)).toEqual({
      type: 'validated',
      ref: 1,
      errors: {},
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    bystander.socket.close();
    live.socket.close();
  });
});
