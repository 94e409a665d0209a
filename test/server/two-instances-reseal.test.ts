/**
 * Two Baton instances on one Redis, both started with a new key in front of the old one,
 * sweep at once: each secret is sealed again exactly once, and every one opens with the new
 * key alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { sealedByCurrentKey } from '../../server/keys/sealed-box.ts';
import { openRedisStore, type RedisStore } from '../../server/store/redis.ts';
import { createTwoFactor } from '../../server/two-factor/two-factor.ts';
import { REDIS_URL, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { redisInstances } from '../helpers/redis-instances.ts';
import { gatedTimers } from '../helpers/test-timers.ts';
import { accountWithCodes, totpAt } from '../helpers/two-factor.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();
const OLD_KEY = 'old-key-that-is-long-enough-for-the-ring-0001';
const NEW_KEY = 'new-key-that-is-long-enough-for-the-ring-0002';
const START = Date.UTC(2030, 0, 1, 0, 0, 10);
const LATER = START + 60_000;
const ACCOUNTS = 8;

describe.skipIf(skip !== null)('the reseal sweep on two instances sharing Redis', () => {
  const instances = redisInstances(prefix);
  let seeding: RedisStore;

  beforeAll(() => {
    seeding = openRedisStore({ url: REDIS_URL, prefix, now: () => LATER });
  });

  afterAll(async () => {
    await seeding.close();
    await instances.stop();
  });

  it('reseals each secret once between them when both sweep at once', async () => {
    const oldRing = createKeyRing([OLD_KEY]);
    const accounts = [];
    for (let i = 0; i < ACCOUNTS; i += 1) {
      accounts.push(await accountWithCodes(seeding, oldRing, START));
    }
    // Both instances' pauses wait on one gate, opened once both have started.
    const timers = gatedTimers();
    const options = () => ({
      secrets: [NEW_KEY, OLD_KEY],
      resealSweep: { schedule: timers.schedule, pageSize: 2 },
    });
    const a = await instances.start(options);
    const b = await instances.start(options);

    timers.open();
    const outcomes = await Promise.all([a.baton.resealSweep, b.baton.resealSweep]);

    expect(outcomes.map((outcome) => outcome?.status)).toEqual(['done', 'done']);
    expect(outcomes.reduce((sum, outcome) => sum + (outcome?.counts.resealed ?? 0), 0)).toBe(
      ACCOUNTS,
    );
    for (const outcome of outcomes) {
      const counts = outcome?.counts;
      expect(counts?.unreadable).toBe(0);
      // Each sweep saw every secret: resealed by itself, or by the other before or after
      // its listing (a key may come twice from SCAN, so at least once).
      expect(
        (counts?.resealed ?? 0) + (counts?.alreadyCurrent ?? 0) + (counts?.changed ?? 0),
      ).toBeGreaterThanOrEqual(ACCOUNTS);
    }
    const newKeyOnly = createKeyRing([NEW_KEY]);
    const withoutOld = createTwoFactor({
      store: seeding.twoFactor,
      ring: newKeyOnly,
      now: () => LATER,
    });
    for (const account of accounts) {
      const sealed = (await seeding.twoFactor.get(account.id))?.sealedSecret ?? '';
      expect(sealedByCurrentKey(newKeyOnly, sealed)).toBe(true);
      expect(await withoutOld.verify(account.id, totpAt(account.secret, LATER))).toEqual({
        ok: true,
        method: 'code',
      });
    }
  });
});
