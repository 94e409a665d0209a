/**
 * Passkey registration and sign-in end to end in Node: @simplewebauthn/server verifies what a
 * software authenticator (test/helpers/soft-authenticator.ts) signs, as a browser's would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPasskeys, type Passkeys } from '../../../server/passkeys/passkeys.ts';
import { openSqliteStore, type SqliteStore } from '../../../server/store/sqlite.ts';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.ts';

const ORIGIN = 'http://localhost:3000';
const ORIGINS = [ORIGIN, 'http://127.0.0.1:3000'];
const SOCKET = 'socket-a';
const OTHER_SOCKET = 'socket-b';
const TWO_MINUTES = 2 * 60_000;

let clock: number;
let store: SqliteStore;
let passkeys: Passkeys;
let account: { id: string; email: string };

async function newAccount(email: string) {
  const created = await store.accounts.create(email, 'hash');
  if (!created) throw new Error('no account');
  return { id: created.id, email: created.email };
}

beforeEach(async () => {
  clock = Date.UTC(2030, 0, 1);
  store = openSqliteStore({ file: ':memory:', now: () => clock });
  passkeys = createPasskeys({ store, origins: ORIGINS, now: () => clock });
  account = await newAccount('ada@example.com');
});

afterEach(async () => {
  await store.close();
});

/** Options for `account` on `socketId`, or a thrown failure code. */
async function creationOptions(socketId = SOCKET, forAccount = account) {
  const asked = await passkeys.registrationOptions({ account: forAccount, socketId });
  if (!asked.ok) throw new Error(asked.code);
  return asked.options;
}

async function requestOptions(socketId = SOCKET) {
  const asked = await passkeys.signInOptions({ socketId });
  if (!asked.ok) throw new Error(asked.code);
  return asked.options;
}

/** Registers a new authenticator for `account` and returns it. */
async function registered(settings: ConstructorParameters<typeof SoftAuthenticator>[0] = {}) {
  const authenticator = new SoftAuthenticator(settings);
  const response = authenticator.register(await creationOptions(), { origin: ORIGIN });
  const done = await passkeys.register({ accountId: account.id, socketId: SOCKET, response });
  if (!done.ok) throw new Error(done.code);
  return authenticator;
}

describe('registrationOptions', () => {
  it('asks for a discoverable passkey for the account, on the relying party of the first origin', async () => {
    const options = await creationOptions();

    expect(options.rp).toEqual({ id: 'localhost', name: 'Baton' });
    expect(options.user).toEqual({
      id: Buffer.from(account.id).toString('base64url'),
      name: 'ada@example.com',
      displayName: 'ada@example.com',
    });
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'preferred',
    });
    expect(options.timeout).toBe(TWO_MINUTES);
    expect(options.excludeCredentials).toEqual([]);
  });

  it("excludes the account's passkeys, so an authenticator cannot register twice", async () => {
    const authenticator = await registered();

    const options = await creationOptions();

    expect(options.excludeCredentials).toEqual([
      { id: authenticator.credentialId, type: 'public-key', transports: ['internal'] },
    ]);
    expect(() => authenticator.register(options, { origin: ORIGIN })).toThrow('InvalidStateError');
  });

  it('refuses past the most passkeys an account can have', async () => {
    passkeys = createPasskeys({ store, origins: ORIGINS, now: () => clock, maxPerAccount: 1 });
    await registered();

    expect(await passkeys.registrationOptions({ account, socketId: SOCKET })).toEqual({
      ok: false,
      code: 'passkey.too-many',
    });
  });

  it('says passkeys are unavailable when PUBLIC_ORIGIN is an IP address', async () => {
    passkeys = createPasskeys({ store, origins: ['http://127.0.0.1:3000'], now: () => clock });

    expect(await passkeys.registrationOptions({ account, socketId: SOCKET })).toEqual({
      ok: false,
      code: 'passkey.unavailable',
    });
    expect(await passkeys.signInOptions({ socketId: SOCKET })).toEqual({
      ok: false,
      code: 'passkey.unavailable',
    });
  });
});

describe('register', () => {
  it('files the passkey from the answer on the socket that asked', async () => {
    const authenticator = new SoftAuthenticator();
    const response = authenticator.register(await creationOptions(), { origin: ORIGIN });

    const done = await passkeys.register({
      accountId: account.id,
      socketId: SOCKET,
      response,
      name: '  Work   laptop ',
    });

    expect(done).toEqual({
      ok: true,
      passkey: {
        id: authenticator.credentialId,
        name: 'Work laptop',
        createdAt: clock,
        lastUsedAt: null,
      },
    });
    expect(await store.passkeys.findById(authenticator.credentialId)).toEqual({
      id: authenticator.credentialId,
      accountId: account.id,
      publicKey: new Uint8Array(authenticator.coseKey()),
      counter: 0,
      transports: ['internal'],
      name: 'Work laptop',
      createdAt: clock,
      lastUsedAt: null,
    });
  });

  it('names it "Passkey" when no name is given', async () => {
    await registered();

    expect((await passkeys.list(account.id)).map((p) => p.name)).toEqual(['Passkey']);
  });

  it('refuses a bad name before using the challenge, so the answer can be sent again', async () => {
    const response = new SoftAuthenticator().register(await creationOptions(), { origin: ORIGIN });
    const request = { accountId: account.id, socketId: SOCKET, response };

    expect(await passkeys.register({ ...request, name: 'x'.repeat(51) })).toEqual({
      ok: false,
      code: 'passkey.name-invalid',
    });
    expect((await passkeys.register({ ...request, name: 'Phone' })).ok).toBe(true);
  });

  it('refuses the answer on another socket, and the socket that asked can still use it', async () => {
    const response = new SoftAuthenticator().register(await creationOptions(), { origin: ORIGIN });

    expect(
      await passkeys.register({ accountId: account.id, socketId: OTHER_SOCKET, response }),
    ).toEqual({ ok: false, code: 'passkey.challenge-missing' });
    expect(
      (await passkeys.register({ accountId: account.id, socketId: SOCKET, response })).ok,
    ).toBe(true);
  });

  it("refuses the answer for another account's challenge", async () => {
    const other = await newAccount('bob@example.com');
    const response = new SoftAuthenticator().register(await creationOptions(SOCKET, other), {
      origin: ORIGIN,
    });

    expect(await passkeys.register({ accountId: account.id, socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.challenge-missing',
    });
  });

  it('uses a challenge once: the same answer sent again is refused', async () => {
    const response = new SoftAuthenticator().register(await creationOptions(), { origin: ORIGIN });
    const request = { accountId: account.id, socketId: SOCKET, response };

    expect((await passkeys.register(request)).ok).toBe(true);
    expect(await passkeys.register(request)).toEqual({
      ok: false,
      code: 'passkey.challenge-missing',
    });
  });

  it('refuses an answer once the challenge has expired (2 minutes)', async () => {
    const response = new SoftAuthenticator().register(await creationOptions(), { origin: ORIGIN });
    clock += TWO_MINUTES;

    expect(await passkeys.register({ accountId: account.id, socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.challenge-missing',
    });
  });

  it('refuses an answer made for another origin, relying party or challenge', async () => {
    for (const answer of [
      { origin: 'https://evil.example' },
      { origin: 'http://127.0.0.1:3000' },
      { origin: ORIGIN, rpId: 'evil.example' },
      { origin: ORIGIN, challenge: Buffer.from('another challenge').toString('base64url') },
    ]) {
      const response = new SoftAuthenticator().register(await creationOptions(), answer);

      expect(
        await passkeys.register({ accountId: account.id, socketId: SOCKET, response }),
        JSON.stringify(answer),
      ).toEqual({ ok: false, code: 'passkey.invalid' });
    }
    expect(await passkeys.list(account.id)).toEqual([]);
  });

  it('refuses what is not an answer at all', async () => {
    for (const response of [
      null,
      'text',
      {},
      { id: 'x'.repeat(2000) },
      { id: 'abc', response: {} },
    ]) {
      await creationOptions();

      expect(
        await passkeys.register({ accountId: account.id, socketId: SOCKET, response }),
      ).toEqual({
        ok: false,
        code: 'passkey.invalid',
      });
    }
  });

  it('refuses a credential already registered', async () => {
    const authenticator = await registered();
    const response = authenticator.register(await creationOptions(), {
      origin: ORIGIN,
      ignoreExclusions: true,
    });

    expect(await passkeys.register({ accountId: account.id, socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.already-registered',
    });
  });
});

describe('signInOptions', () => {
  it('lists no credentials, so the browser offers any passkey of the site', async () => {
    const options = await requestOptions();

    expect(options.rpId).toBe('localhost');
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe('preferred');
    expect(options.timeout).toBe(TWO_MINUTES);
  });
});

describe('signIn', () => {
  it("names the passkey's account and notes when it was used", async () => {
    const authenticator = await registered({ keepsCounter: true });
    clock += 60_000;
    const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });

    expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
      ok: true,
      accountId: account.id,
      passkeyId: authenticator.credentialId,
      userVerified: true,
    });
    const stored = await store.passkeys.findById(authenticator.credentialId);
    expect(stored?.counter).toBe(1);
    expect((await passkeys.list(account.id))[0]?.lastUsedAt).toBe(clock);
  });

  it('says whether the person was verified', async () => {
    const authenticator = await registered({ userVerified: false });
    const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });

    expect(await passkeys.signIn({ socketId: SOCKET, response })).toMatchObject({
      ok: true,
      userVerified: false,
    });
  });

  it('signs in again and again with an authenticator that keeps no counter', async () => {
    const authenticator = await registered({ keepsCounter: false });

    for (let i = 0; i < 3; i++) {
      const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });
      expect((await passkeys.signIn({ socketId: SOCKET, response })).ok).toBe(true);
    }
  });

  it('refuses a replayed answer: its challenge was used', async () => {
    const authenticator = await registered();
    const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });

    expect((await passkeys.signIn({ socketId: SOCKET, response })).ok).toBe(true);
    expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.challenge-missing',
    });
  });

  it('refuses an answer sent on another socket than the one that asked', async () => {
    const authenticator = await registered();
    const response = authenticator.authenticate(await requestOptions(SOCKET), { origin: ORIGIN });

    expect(await passkeys.signIn({ socketId: OTHER_SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.challenge-missing',
    });
  });

  it("refuses an answer to one socket's challenge sent on another socket that asked too", async () => {
    const authenticator = await registered();
    const response = authenticator.authenticate(await requestOptions(SOCKET), { origin: ORIGIN });
    await requestOptions(OTHER_SOCKET);

    expect(await passkeys.signIn({ socketId: OTHER_SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.invalid',
    });
  });

  it('refuses an answer once the challenge has expired', async () => {
    const authenticator = await registered();
    const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });
    clock += TWO_MINUTES;

    expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.challenge-missing',
    });
  });

  it('refuses a passkey once it is removed', async () => {
    const authenticator = await registered();
    expect(await passkeys.remove(account.id, authenticator.credentialId)).toBe(true);
    const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });

    expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.unknown',
    });
  });

  it('refuses an answer from another origin or relying party', async () => {
    const authenticator = await registered();
    for (const answer of [
      { origin: 'https://evil.example' },
      { origin: ORIGIN, rpId: 'evil.example' },
    ]) {
      const response = authenticator.authenticate(await requestOptions(), answer);

      expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
        ok: false,
        code: 'passkey.invalid',
      });
    }
  });

  it('refuses a signature that does not verify', async () => {
    const authenticator = await registered();
    const response = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });
    const signature = Buffer.from(response.response.signature, 'base64url');
    signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 1;
    response.response.signature = signature.toString('base64url');

    expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.invalid',
    });
  });

  it('refuses a key that is not the one registered under that credential id', async () => {
    const authenticator = await registered();
    const impostor = new SoftAuthenticator();
    Object.assign(impostor, { credentialId: authenticator.credentialId });
    const options = await requestOptions();
    const response = impostor.authenticate(options, {
      origin: ORIGIN,
      userHandle: Buffer.from(account.id).toString('base64url'),
    });

    expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
      ok: false,
      code: 'passkey.invalid',
    });
  });

  it("refuses a user handle that is not the passkey's account, or none", async () => {
    const authenticator = await registered();
    const other = await newAccount('bob@example.com');
    const handles = [Buffer.from(other.id).toString('base64url'), ''];
    for (const userHandle of handles) {
      const response = authenticator.authenticate(await requestOptions(), {
        origin: ORIGIN,
        userHandle,
      });

      expect(await passkeys.signIn({ socketId: SOCKET, response })).toEqual({
        ok: false,
        code: 'passkey.invalid',
      });
    }
  });

  it('refuses a counter that did not move forward: a cloned authenticator', async () => {
    const authenticator = await registered({ keepsCounter: true });
    const clone = authenticator.clone();
    const first = authenticator.authenticate(await requestOptions(), { origin: ORIGIN });
    expect((await passkeys.signIn({ socketId: SOCKET, response: first })).ok).toBe(true);

    const cloned = clone.authenticate(await requestOptions(), { origin: ORIGIN });

    expect(await passkeys.signIn({ socketId: SOCKET, response: cloned })).toEqual({
      ok: false,
      code: 'passkey.invalid',
    });
  });

  it('lets one of two answers carrying one counter value through when they race', async () => {
    const authenticator = await registered({ keepsCounter: true });
    const clone = authenticator.clone();
    const one = authenticator.authenticate(await requestOptions(SOCKET), { origin: ORIGIN });
    const two = clone.authenticate(await requestOptions(OTHER_SOCKET), { origin: ORIGIN });

    const results = await Promise.all([
      passkeys.signIn({ socketId: SOCKET, response: one }),
      passkeys.signIn({ socketId: OTHER_SOCKET, response: two }),
    ]);

    expect(results.map((result) => (result.ok ? 'ok' : result.code)).sort()).toEqual([
      'ok',
      'passkey.counter',
    ]);
  });
});

describe('managing passkeys', () => {
  it('lists them oldest first with their names and dates, and nothing of their keys', async () => {
    const first = await registered();
    clock += 1000;
    const second = await registered();

    expect(await passkeys.list(account.id)).toEqual([
      { id: first.credentialId, name: 'Passkey', createdAt: clock - 1000, lastUsedAt: null },
      { id: second.credentialId, name: 'Passkey', createdAt: clock, lastUsedAt: null },
    ]);
  });

  it('renames one, normalizing the name, and refuses a bad name or a passkey not its own', async () => {
    const authenticator = await registered();
    const other = await newAccount('bob@example.com');

    expect(await passkeys.rename(account.id, authenticator.credentialId, ' Phone\u200b ')).toEqual({
      ok: true,
    });
    expect(await passkeys.rename(account.id, authenticator.credentialId, ' \u0000 ')).toEqual({
      ok: false,
      code: 'passkey.name-invalid',
    });
    expect(await passkeys.rename(other.id, authenticator.credentialId, 'Mine')).toEqual({
      ok: false,
      code: 'passkey.not-found',
    });
    expect((await passkeys.list(account.id))[0]?.name).toBe('Phone');
  });

  it("removes one only for its own account, and all of an account's at once", async () => {
    const first = await registered();
    await registered();
    const other = await newAccount('bob@example.com');

    expect(await passkeys.remove(other.id, first.credentialId)).toBe(false);
    expect(await passkeys.remove(account.id, first.credentialId)).toBe(true);
    expect(await passkeys.list(account.id)).toHaveLength(1);
    expect(await passkeys.removeAll(account.id)).toBe(1);
    expect(await passkeys.list(account.id)).toEqual([]);
  });
});

describe('createPasskeys', () => {
  it('refuses a bad option, naming it, the rule and the value', () => {
    expect(() => createPasskeys({ store, origins: ORIGINS, challengeTtlMs: 1.5 })).toThrow(
      'createPasskeys: option "challengeTtlMs" must be a positive whole number (received 1.5)',
    );
    expect(() => createPasskeys({ store, origins: ORIGINS, rpName: ' ' })).toThrow(
      'createPasskeys: option "rpName" must be a non-empty name (received " ")',
    );
  });
});
