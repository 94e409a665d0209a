/**
 * One client cannot stall sign-in for everyone (issues 12.2 and 14.2). The forms run against
 * a hasher whose hashes end when the test says, so what is asserted is the order of work,
 * not time: another IP's password check starts after at most a few of the flood's, and the
 * flood beyond the caps is answered 'server.busy' at once, counting and writing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FormDeps, type FormOutcome, submitForm } from '../../../server/accounts/forms.ts';
import { createPasswordHasher, type PasswordHasher } from '../../../server/accounts/password.ts';
import { createPasswordGate } from '../../../server/accounts/password-gate.ts';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { createLimiters } from '../../../server/limits/limits.ts';
import { createLogger } from '../../../server/logger.ts';
import { createLocalSessionEvents } from '../../../server/session/events.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import { createTwoFactor } from '../../../server/two-factor/two-factor.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { submitOverSocket } from '../../helpers/live-forms.ts';
import {
  CHEAP_ARGON2,
  type RunningServer,
  startServer,
  TEST_SECRET,
} from '../../helpers/start-server.ts';

/** A hasher whose every hash or check waits until the test releases it, oldest first. */
function handDrivenHasher() {
  const pending: Array<{ label: string; finish: () => void }> = [];
  const started: string[] = [];
  const step = <T>(label: string, value: T) =>
    new Promise<T>((resolve) => {
      started.push(label);
      pending.push({ label, finish: () => resolve(value) });
    });
  const hasher: PasswordHasher = {
    hash: (password) => step(`hash ${password}`, `plain:${password}`),
    verify: (password, stored) => step(`verify ${password}`, stored === `plain:${password}`),
    needsRehash: () => false,
  };
  return {
    hasher,
    started,
    /** Ends the oldest hash still running. */
    finishOldest() {
      const next = pending.shift();
      if (!next) throw new Error('no hash is running');
      next.finish();
    },
    get running() {
      return pending.length;
    },
  };
}

/** Lets every promise chain that can move on do so (limiter and store calls are async). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const store = openSqliteStore({ file: ':memory:' });
afterAll(() => store.close());

function setUp() {
  const drive = handDrivenHasher();
  const limiters = createLimiters(DEFAULT_LIMITS);
  const gate = createPasswordGate({
    concurrency: 1,
    perIp: 4,
    perAccount: 2,
    queueLimit: 256,
    maxWaitMs: 2000,
    initialHashMs: 100,
  });
  const deps: FormDeps = {
    store,
    hasher: drive.hasher,
    gate,
    limiters,
    decoyHash: 'plain:decoy',
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
    twoFactor: createTwoFactor({ store: store.twoFactor, ring: createKeyRing([TEST_SECRET]) }),
    logger: createLogger({ level: 'silent' }),
  };
  return { drive, deps, gate, limiters };
}

const who = (ip: string) => ({ ip, accountId: null, sessionRef: null });

describe('password checks under a flood from one IP', () => {
  beforeAll(async () => {
    await store.accounts.create('alice@example.com', 'plain:alice password');
  });

  it("starts another IP's check after at most the flooding IP's cap of hashes, and answers the rest of the flood busy at once", async () => {
    const { drive, deps, gate } = setUp();
    const flood: Array<Promise<FormOutcome>> = Array.from({ length: 60 }, (_, i) =>
      submitForm(
        deps,
        'login',
        { email: `flood${i}@example.com`, password: 'guess 1' },
        who('203.0.113.9'),
      ),
    );
    // Everything beyond the per-IP cap is answered before a single hash has ended.
    await settle();
    const early = await Promise.race([
      Promise.all(flood.slice(4)),
      settle().then(() => 'still waiting' as const),
    ]);
    expect(early).not.toBe('still waiting');
    const busy = early as FormOutcome[];
    expect(busy).toHaveLength(56);
    for (const outcome of busy) {
      expect(outcome).toEqual({
        ok: false,
        code: 'server.busy',
        message: 'Baton is busy. Try again in 1 second.',
        errors: {},
        retryAfterSeconds: 1,
      });
    }
    expect(gate.held).toBe(4);

    const alice = submitForm(
      deps,
      'login',
      { email: 'alice@example.com', password: 'alice password' },
      who('198.51.100.7'),
    );
    await settle();
    let finished = 0;
    while (!drive.started.includes('verify alice password')) {
      drive.finishOldest();
      finished += 1;
      await settle();
    }
    // Alone, Alice's check would start at once; behind the flood, after its four at most.
    expect(finished).toBeLessThanOrEqual(4);
    drive.finishOldest();
    expect(await alice).toMatchObject({ ok: true });
    while (drive.running > 0) {
      drive.finishOldest();
      await settle();
    }
    expect(await Promise.all(flood.slice(0, 4))).toEqual(
      Array(4).fill(expect.objectContaining({ code: 'account.bad-credentials' })),
    );
  });

  it('caps the checks in flight for one account, from however many IPs', async () => {
    const { drive, deps } = setUp();
    const outcomes = Array.from({ length: 10 }, (_, i) =>
      submitForm(
        deps,
        'login',
        { email: 'alice@example.com', password: `guess ${i}` },
        who(`192.0.2.${i}`),
      ),
    );
    await settle();
    const codes = await Promise.race([
      Promise.all(outcomes.slice(2)).then((all) => all.map((o) => (o.ok ? 'ok' : o.code))),
      settle().then(() => ['still waiting']),
    ]);
    expect(codes).toEqual(Array(8).fill('server.busy'));
    while (drive.running > 0) {
      drive.finishOldest();
      await settle();
    }
    await Promise.all(outcomes);
  });

  it('counts and writes nothing for a busy sign-in, sign-up or password change', async () => {
    const { drive, deps, limiters } = setUp();
    const ip = '203.0.113.50';
    const held = Array.from({ length: 4 }, (_, i) =>
      submitForm(deps, 'login', { email: `holder${i}@example.com`, password: 'guess 1' }, who(ip)),
    );
    await settle();
    const login = await submitForm(
      deps,
      'login',
      { email: 'alice@example.com', password: 'x' },
      who(ip),
    );
    const signup = await submitForm(
      deps,
      'signup',
      { email: 'newcomer@example.com', password: 'a long new password' },
      who(ip),
    );
    const alice = await store.accounts.findByEmail('alice@example.com');
    const change = await submitForm(
      deps,
      'change-password',
      { password: 'alice password', newPassword: 'another long password' },
      { ip, accountId: alice?.id ?? null, sessionRef: null },
    );
    for (const outcome of [login, signup, change]) {
      expect(outcome).toMatchObject({ ok: false, code: 'server.busy', retryAfterSeconds: 1 });
    }
    expect(await store.accounts.findByEmail('newcomer@example.com')).toBeNull();
    expect((await store.accounts.findByEmail('alice@example.com'))?.passwordHash).toBe(
      'plain:alice password',
    );
    expect(await limiters.loginFailsPerAccount.get('alice@example.com')).toBeNull();
    expect(await limiters.signupsPerIp.get(ip)).toBeNull();
    // Only the four held sign-ins counted against the IP.
    expect((await limiters.loginFailsPerIp.get(ip))?.consumedPoints).toBe(4);
    while (drive.running > 0) {
      drive.finishOldest();
      await settle();
    }
    await Promise.all(held);
  });
});

describe('a busy reply over HTTP and the live socket', () => {
  // Checks wait until the test lets them through; the decoy and sign-up hashes are real.
  const real = createPasswordHasher(CHEAP_ARGON2);
  let release = () => {};
  let checking = () => {};
  const checkStarted = new Promise<void>((resolve) => {
    checking = resolve;
  });
  const hasher: PasswordHasher = {
    ...real,
    verify: (password, stored) =>
      new Promise<void>((resolve) => {
        release = resolve;
        checking();
      }).then(() => real.verify(password, stored)),
  };
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      hasher,
      passwordChecks: { concurrency: 1, perIp: 1, perAccount: 1, queueLimit: 256 },
    });
  });
  afterAll(() => server.stop());

  it('answers 503 with Retry-After and the message on the page, and a socket refused server.busy', async () => {
    const first = new BrowserSession(server.url).post('/login', {
      email: 'someone@example.com',
      password: 'a guess',
    });
    // The first sign-in holds 127.0.0.1's one pass until released.
    await checkStarted;
    const response = await new BrowserSession(server.url).post('/login', {
      email: 'other@example.com',
      password: 'another guess',
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.text()).toContain('Baton is busy. Try again in 1 second.');
    const reply = await submitOverSocket(new BrowserSession(server.url), 'login', {
      email: 'other@example.com',
      password: 'another guess',
    });
    expect(reply).toMatchObject({
      type: 'refused',
      code: 'server.busy',
      message: 'Baton is busy. Try again in 1 second.',
      errors: {},
    });
    release();
    expect((await first).status).toBe(422);
  });
});
