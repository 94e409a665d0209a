/**
 * Second factors across two Baton instances sharing one Redis: a ceremony begun on one
 * instance finishes on the other, and what is single use stays single use across both.
 */
import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { createPasskeys } from '../../server/passkeys/passkeys.ts';
import { openRedisStore, type RedisStore } from '../../server/store/redis.ts';
import { createTwoFactor } from '../../server/two-factor/two-factor.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();
const ORIGIN = 'http://localhost:3000';

describe.skipIf(skip !== null)('second factors on two instances sharing Redis', () => {
  let clock: number;
  let a: RedisStore;
  let b: RedisStore;
  let account: { id: string; email: string };

  beforeEach(async () => {
    clock = Date.UTC(2030, 0, 1, 0, 0, 10);
    a = openRedisStore({ url: REDIS_URL, prefix, now: () => clock });
    b = openRedisStore({ url: REDIS_URL, prefix, now: () => clock });
    const created = await a.accounts.create(`${randomUUID()}@example.test`, 'hash');
    if (!created) throw new Error('no account');
    account = { id: created.id, email: created.email };
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  afterAll(async () => {
    await deleteKeys(prefix);
  });

  it('turns two-factor on at one instance, signs in at the other, and refuses the replay at the first', async () => {
    const ring = createKeyRing(['k'.repeat(40)]);
    const onA = createTwoFactor({ store: a.twoFactor, ring, now: () => clock });
    const onB = createTwoFactor({ store: b.twoFactor, ring, now: () => clock });
    const setup = await onA.beginSetup(account);
    if (!setup.ok) throw new Error(setup.code);
    const codeAt = (t: number) =>
      TOTP.generate({ secret: Secret.fromBase32(setup.offer.secret), timestamp: t });

    expect((await onB.confirmSetup(account.id, codeAt(clock))).ok).toBe(true);
    clock += 30_000;
    const code = codeAt(clock);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? onA : onB).verify(account.id, code)),
    );

    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(await onA.verify(account.id, code)).toEqual({ ok: false, code: 'two-factor.code-used' });
  });

  it('registers a passkey begun on one instance at the other, and signs in across them once', async () => {
    const onA = createPasskeys({ store: a, origins: [ORIGIN], now: () => clock });
    const onB = createPasskeys({ store: b, origins: [ORIGIN], now: () => clock });
    const authenticator = new SoftAuthenticator({ keepsCounter: true });
    const creation = await onA.registrationOptions({ account, socketId: 'socket-1' });
    if (!creation.ok) throw new Error(creation.code);
    const registration = authenticator.register(creation.options, { origin: ORIGIN });

    expect(
      (await onB.register({ accountId: account.id, socketId: 'socket-1', response: registration }))
        .ok,
    ).toBe(true);

    const request = await onB.signInOptions({ socketId: 'socket-1' });
    if (!request.ok) throw new Error(request.code);
    const response = authenticator.authenticate(request.options, { origin: ORIGIN });
    const results = await Promise.all([
      onA.signIn({ socketId: 'socket-1', response }),
      onB.signIn({ socketId: 'socket-1', response }),
    ]);

    expect(results.map((result) => (result.ok ? result.accountId : result.code)).sort()).toEqual(
      [account.id, 'passkey.challenge-missing'].sort(),
    );
    expect((await onA.list(account.id))[0]?.lastUsedAt).toBe(clock);
  });
});
