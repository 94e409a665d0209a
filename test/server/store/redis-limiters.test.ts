import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { takeEmailAllowance } from '../../../server/limits/email-allowance.ts';
import { createLimiters, type Limiters, take } from '../../../server/limits/limits.ts';
import { openRedisStore, type RedisStore } from '../../../server/store/redis.ts';
import { redisLimiterFactory } from '../../../server/store/redis-limiters.ts';
import {
  deleteKeys,
  inspectRedis,
  REDIS_URL,
  redisSkipReason,
  uniquePrefix,
} from '../../helpers/redis.ts';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)('redisLimiterFactory', () => {
  const prefix = uniquePrefix();
  const limits = { ...DEFAULT_LIMITS, signupsPerIp: 3, framesPerSocket: 2, emailsPerAddress: 2 };
  const stores: RedisStore[] = [];
  let redis: Redis;
  /** Two instances' limiter sets on one Redis. */
  let a: Limiters;
  let b: Limiters;

  beforeAll(() => {
    stores.push(
      openRedisStore({ url: REDIS_URL, prefix }),
      openRedisStore({ url: REDIS_URL, prefix }),
    );
    a = createLimiters(limits, redisLimiterFactory(stores[0] as RedisStore));
    b = createLimiters(limits, redisLimiterFactory(stores[1] as RedisStore));
    redis = inspectRedis();
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis.quit();
    await deleteKeys(prefix);
  });

  it('counts sign-ups from one IP across instances against one limit', async () => {
    const ip = '192.0.2.10';

    const results = [
      await take(a.signupsPerIp, ip),
      await take(b.signupsPerIp, ip),
      await take(a.signupsPerIp, ip),
      await take(b.signupsPerIp, ip),
    ];

    expect(results.slice(0, 3)).toEqual([null, null, null]);
    expect(results[3]?.retryAfterSeconds).toBeGreaterThan(3_500);
    expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(3_600);
  });

  it('counts the emails asked for one address across instances against one limit', async () => {
    const address = `${prefix}someone@example.com`;

    expect(await takeEmailAllowance(a, '192.0.2.30', address)).toBeNull();
    expect(await takeEmailAllowance(b, '192.0.2.31', address)).toBeNull();
    expect(await takeEmailAllowance(a, '192.0.2.32', address)).not.toBeNull();
    const pttl = await redis.pttl(`${prefix}limit:email-address:${address}`);
    expect(pttl).toBeGreaterThan(59 * 60_000);
    expect(pttl).toBeLessThanOrEqual(60 * 60_000);
  });

  it('keeps the counters under the store prefix, expiring with their window', async () => {
    await take(a.loginFailsPerIp, '192.0.2.20');

    expect(await redis.get(`${prefix}limit:login-ip:192.0.2.20`)).toBe('1');
    const pttl = await redis.pttl(`${prefix}limit:login-ip:192.0.2.20`);
    expect(pttl).toBeGreaterThan(14 * 60_000);
    expect(pttl).toBeLessThanOrEqual(15 * 60_000);
  });

  it('keeps the per-socket frame limit in this process, off Redis', async () => {
    expect(await take(a.framesPerSocket, 'socket-1')).toBeNull();
    expect(await take(a.framesPerSocket, 'socket-1')).toBeNull();
    expect(await take(a.framesPerSocket, 'socket-1')).not.toBeNull();
    expect(await take(b.framesPerSocket, 'socket-1')).toBeNull();
    expect(await redis.exists(`${prefix}limit:frames:socket-1`)).toBe(0);
  });
});
