import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyRing, type KeyRing } from '../../../server/keys/keyring.ts';
import { sealedByCurrentKey } from '../../../server/keys/sealed-box.ts';
import { openSqliteStore, type SqliteStore } from '../../../server/store/sqlite.ts';
import { createTwoFactor, type TwoFactor } from '../../../server/two-factor/two-factor.ts';

const OLD_KEY = 'o'.repeat(40);
const NEW_KEY = 'n'.repeat(40);
/** 10 s into a time step. */
const START = Date.UTC(2030, 0, 1, 0, 0, 10);

function codeAt(secret: string, timestamp: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp });
}

let clock: number;
let store: SqliteStore;
let ring: KeyRing;
let twoFactor: TwoFactor;
let account: { id: string; email: string };

beforeEach(async () => {
  clock = START;
  store = openSqliteStore({ file: ':memory:', now: () => clock });
  ring = createKeyRing([OLD_KEY]);
  twoFactor = createTwoFactor({ store: store.twoFactor, ring, now: () => clock });
  const created = await store.accounts.create('ada@example.com', 'hash');
  if (!created) throw new Error('no account');
  account = { id: created.id, email: created.email };
});

afterEach(async () => {
  await store.close();
});

/** Sets it up and turns it on; returns the secret and the recovery codes. */
async function turnOn(): Promise<{ secret: string; recoveryCodes: string[] }> {
  const setup = await twoFactor.beginSetup(account);
  if (!setup.ok) throw new Error(setup.code);
  const confirmed = await twoFactor.confirmSetup(account.id, codeAt(setup.offer.secret, clock));
  if (!confirmed.ok) throw new Error(confirmed.code);
  return { secret: setup.offer.secret, recoveryCodes: confirmed.recoveryCodes };
}

describe('beginSetup', () => {
  it('offers a new secret, its otpauth URI for the account and its QR code, pending until confirmed', async () => {
    const setup = await twoFactor.beginSetup(account);

    expect(setup.ok).toBe(true);
    if (!setup.ok) return;
    expect(setup.offer.uri).toContain('otpauth://totp/Baton:ada%40example.com?');
    expect(setup.offer.uri).toContain(`secret=${setup.offer.secret}`);
    expect(setup.offer.qrSvg).toMatch(/^<svg role="img" aria-label="QR code to add Baton/);
    expect(setup.offer.expiresAt).toBe(START + 10 * 60_000);
    expect(await twoFactor.status(account.id)).toEqual({
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
    });
  });

  it('stores the pending secret sealed, never in clear', async () => {
    const setup = await twoFactor.beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);

    const record = await store.twoFactor.get(account.id);
    expect(record?.pending?.sealedSecret).toBeTypeOf('string');
    expect(JSON.stringify(record)).not.toContain(setup.offer.secret);
  });

  it('shows the pending setup again until it expires', async () => {
    const setup = await twoFactor.beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);

    expect(await twoFactor.pendingSetup(account)).toEqual(setup.offer);
    clock += 10 * 60_000;
    expect(await twoFactor.pendingSetup(account)).toBeNull();
  });

  it('refuses while it is on', async () => {
    await turnOn();

    expect(await twoFactor.beginSetup(account)).toEqual({
      ok: false,
      code: 'two-factor.already-on',
    });
  });
});

describe('confirmSetup', () => {
  it('turns it on with a correct code and gives 10 recovery codes, once', async () => {
    const setup = await twoFactor.beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);

    const confirmed = await twoFactor.confirmSetup(account.id, codeAt(setup.offer.secret, clock));

    expect(confirmed.ok && confirmed.recoveryCodes).toHaveLength(10);
    expect(await twoFactor.status(account.id)).toEqual({
      enabled: true,
      enabledAt: START,
      recoveryCodesLeft: 10,
    });
    expect(await twoFactor.confirmSetup(account.id, codeAt(setup.offer.secret, clock))).toEqual({
      ok: false,
      code: 'two-factor.no-setup',
    });
  });

  it('refuses a wrong code and stays off', async () => {
    const setup = await twoFactor.beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);
    const code = codeAt(setup.offer.secret, clock);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    expect(await twoFactor.confirmSetup(account.id, wrong)).toEqual({
      ok: false,
      code: 'two-factor.wrong-code',
    });
    expect((await twoFactor.status(account.id)).enabled).toBe(false);
  });

  it('refuses with no setup begun, and once the setup has expired', async () => {
    expect(await twoFactor.confirmSetup(account.id, '123456')).toEqual({
      ok: false,
      code: 'two-factor.no-setup',
    });

    const setup = await twoFactor.beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);
    clock += 10 * 60_000;
    expect(await twoFactor.confirmSetup(account.id, codeAt(setup.offer.secret, clock))).toEqual({
      ok: false,
      code: 'two-factor.setup-expired',
    });
  });

  it('refuses the code of a setup begun again since (another tab), and takes the newer one', async () => {
    const first = await twoFactor.beginSetup(account);
    const second = await twoFactor.beginSetup(account);
    if (!first.ok || !second.ok) throw new Error('setup refused');

    expect(await twoFactor.confirmSetup(account.id, codeAt(first.offer.secret, clock))).toEqual({
      ok: false,
      code: 'two-factor.wrong-code',
    });
    expect((await twoFactor.confirmSetup(account.id, codeAt(second.offer.secret, clock))).ok).toBe(
      true,
    );
  });

  it('uses up the confirming code: it cannot then sign in', async () => {
    const { secret } = await turnOn();

    expect(await twoFactor.verify(account.id, codeAt(secret, clock))).toEqual({
      ok: false,
      code: 'two-factor.code-used',
    });
  });
});

describe('verify', () => {
  it("accepts the current step's code once, then the next step's", async () => {
    const { secret } = await turnOn();
    clock += 30_000;
    const code = codeAt(secret, clock);

    expect(await twoFactor.verify(account.id, code)).toEqual({ ok: true, method: 'code' });
    expect(await twoFactor.verify(account.id, code)).toEqual({
      ok: false,
      code: 'two-factor.code-used',
    });
    clock += 30_000;
    expect(await twoFactor.verify(account.id, codeAt(secret, clock))).toEqual({
      ok: true,
      method: 'code',
    });
  });

  it('accepts a code one step old or one step ahead, but not two', async () => {
    const { secret } = await turnOn();
    clock += 90_000;

    expect((await twoFactor.verify(account.id, codeAt(secret, clock - 60_000))).ok).toBe(false);
    expect((await twoFactor.verify(account.id, codeAt(secret, clock - 30_000))).ok).toBe(true);
    expect((await twoFactor.verify(account.id, codeAt(secret, clock + 60_000))).ok).toBe(false);
    expect((await twoFactor.verify(account.id, codeAt(secret, clock + 30_000))).ok).toBe(true);
  });

  it('refuses an older step once a newer one was accepted, though still in the window', async () => {
    const { secret } = await turnOn();
    clock += 60_000;

    expect((await twoFactor.verify(account.id, codeAt(secret, clock))).ok).toBe(true);
    expect(await twoFactor.verify(account.id, codeAt(secret, clock - 30_000))).toEqual({
      ok: false,
      code: 'two-factor.code-used',
    });
  });

  it('accepts exactly one of two concurrent submits of one code', async () => {
    const { secret } = await turnOn();
    clock += 30_000;
    const code = codeAt(secret, clock);

    const results = await Promise.all([
      twoFactor.verify(account.id, code),
      twoFactor.verify(account.id, code),
    ]);

    expect(results.map((result) => (result.ok ? 'ok' : result.code)).sort()).toEqual([
      'ok',
      'two-factor.code-used',
    ]);
  });

  it('refuses a wrong code, and anything while it is off', async () => {
    expect(await twoFactor.verify(account.id, '123456')).toEqual({
      ok: false,
      code: 'two-factor.off',
    });
    const { secret } = await turnOn();
    clock += 30_000;
    const code = codeAt(secret, clock);

    expect(
      await twoFactor.verify(account.id, String((Number(code) + 1) % 1_000_000).padStart(6, '0')),
    ).toEqual({ ok: false, code: 'two-factor.wrong-code' });
    expect(await twoFactor.verify(account.id, 'not a code')).toEqual({
      ok: false,
      code: 'two-factor.wrong-code',
    });
  });

  it('accepts each recovery code once, however it is typed', async () => {
    const { recoveryCodes } = await turnOn();
    const [first = '', second = ''] = recoveryCodes;

    expect(await twoFactor.verify(account.id, first)).toEqual({
      ok: true,
      method: 'recovery-code',
      recoveryCodesLeft: 9,
    });
    expect(await twoFactor.verify(account.id, first)).toEqual({
      ok: false,
      code: 'two-factor.wrong-code',
    });
    expect(await twoFactor.verify(account.id, second.replaceAll('-', ' ').toLowerCase())).toEqual({
      ok: true,
      method: 'recovery-code',
      recoveryCodesLeft: 8,
    });
  });

  it("refuses another account's recovery code", async () => {
    const { recoveryCodes } = await turnOn();
    const other = await store.accounts.create('bob@example.com', 'hash');
    if (!other) throw new Error('no account');
    account = { id: other.id, email: other.email };
    await turnOn();

    expect(await twoFactor.verify(other.id, recoveryCodes[0] ?? '')).toEqual({
      ok: false,
      code: 'two-factor.wrong-code',
    });
  });

  it('seals the secret again under the newest key, so it still opens once the old key is gone', async () => {
    const { secret } = await turnOn();
    ring = createKeyRing([NEW_KEY, OLD_KEY]);
    twoFactor = createTwoFactor({ store: store.twoFactor, ring, now: () => clock });
    clock += 30_000;

    expect((await twoFactor.verify(account.id, codeAt(secret, clock))).ok).toBe(true);
    expect(
      sealedByCurrentKey(ring, (await store.twoFactor.get(account.id))?.sealedSecret ?? ''),
    ).toBe(true);

    twoFactor = createTwoFactor({
      store: store.twoFactor,
      ring: createKeyRing([NEW_KEY]),
      now: () => clock,
    });
    clock += 30_000;
    expect((await twoFactor.verify(account.id, codeAt(secret, clock))).ok).toBe(true);
  });

  it('says the secret cannot be read when its key has left the ring, and recovery codes still work', async () => {
    const { secret, recoveryCodes } = await turnOn();
    twoFactor = createTwoFactor({
      store: store.twoFactor,
      ring: createKeyRing([NEW_KEY]),
      now: () => clock,
    });
    clock += 30_000;

    expect(await twoFactor.verify(account.id, codeAt(secret, clock))).toEqual({
      ok: false,
      code: 'two-factor.secret-unreadable',
    });
    expect((await twoFactor.verify(account.id, recoveryCodes[0] ?? '')).ok).toBe(true);
  });
});

describe('newRecoveryCodes', () => {
  it('replaces every recovery code', async () => {
    const { recoveryCodes } = await turnOn();

    const fresh = await twoFactor.newRecoveryCodes(account.id);

    expect(fresh).toHaveLength(10);
    expect((await twoFactor.verify(account.id, recoveryCodes[0] ?? '')).ok).toBe(false);
    expect((await twoFactor.verify(account.id, fresh?.[0] ?? '')).ok).toBe(true);
  });

  it('gives none while it is off', async () => {
    expect(await twoFactor.newRecoveryCodes(account.id)).toBeNull();
  });
});

describe('disable', () => {
  it('removes the secret and the recovery codes; a new setup can begin', async () => {
    const { secret, recoveryCodes } = await turnOn();

    expect(await twoFactor.disable(account.id)).toBe(true);

    clock += 30_000;
    expect(await twoFactor.verify(account.id, codeAt(secret, clock))).toEqual({
      ok: false,
      code: 'two-factor.off',
    });
    expect((await twoFactor.verify(account.id, recoveryCodes[0] ?? '')).ok).toBe(false);
    expect(await store.twoFactor.get(account.id)).toBeNull();
    expect((await twoFactor.beginSetup(account)).ok).toBe(true);
    expect(await twoFactor.disable(account.id)).toBe(false);
  });
});

describe('createTwoFactor', () => {
  it('refuses a bad option, naming it, the rule and the value', () => {
    expect(() => createTwoFactor({ store: store.twoFactor, ring, issuer: 'Ba:ton' })).toThrow(
      'createTwoFactor: option "issuer" must be a non-empty name without ":" (received "Ba:ton")',
    );
    expect(() => createTwoFactor({ store: store.twoFactor, ring, setupTtlMs: 0 })).toThrow(
      'createTwoFactor: option "setupTtlMs" must be a positive whole number of milliseconds (received 0)',
    );
  });
});
