import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../helpers/browser-session.ts';
import { CLUSTER_SECRET, freePort, type Instance, startInstance } from '../helpers/cluster.ts';
import { type OwnRedis, ownRedis } from '../helpers/redis-server.ts';

/**
 * Waits for `work`, for at most `ms`: while Redis is gone nothing may hang past the store's
 * one-second timeout, so a request still unanswered after a few seconds fails the test.
 * The bound is the wait's, not a measurement of how long the answer took.
 */
function answeredWithin<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}
/** A few seconds: well past the store's one-second timeout. */
const FEW_SECONDS_MS = 3_000;

describe('Redis lost and back', () => {
  let redis: OwnRedis;
  let instance: Instance;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    redis = await ownRedis();
    await redis.start();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-redis-lost-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    instance = await startInstance({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: url,
      LOG_LEVEL: 'error',
      DATA_DIR: dataDir,
      SECRET_KEYS: CLUSTER_SECRET,
      STORE_URL: redis.url,
    });
  });
  afterAll(async () => {
    await instance?.stop();
    await redis?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails closed while it is gone and recovers by itself within 2 seconds of its return', async () => {
    // Before: one person signed in, another holding a handoff not yet redeemed.
    const settled = new BrowserSession(url);
    expect(
      (await settled.post('/signup', { email: 'settled@example.com', password: 'a fine password' }))
        .status,
    ).toBe(303);
    const pending = new BrowserSession(url);
    await pending.fetch('/signup');
    const live = await pending.openSocket();
    const reply = await live.request({
      type: 'submit',
      form: 'signup',
      fields: { email: 'pending@example.com', password: 'a fine password' },
    });
    if (reply.type !== 'accepted') throw new Error('sign-up refused');

    await redis.stop();

    const redeem = await answeredWithin(
      FEW_SECONDS_MS,
      pending.post('/handoff', { handoff: reply.handoff }),
    );
    expect(redeem.status).toBe(503);
    expect(redeem.headers.get('retry-after')).toBe('2');
    expect(await redeem.text()).toContain('Try again');

    const health = await answeredWithin(FEW_SECONDS_MS, fetch(`${url}/healthz`));
    expect(health.status).toBe(503);

    const submit = await answeredWithin(
      FEW_SECONDS_MS,
      live.request({
        type: 'submit',
        form: 'login',
        fields: { email: 'settled@example.com', password: 'a fine password' },
      }),
    );
    expect(submit).toMatchObject({ type: 'error', code: 'service.unavailable' });
    live.close();

    const page = await answeredWithin(FEW_SECONDS_MS, settled.fetch('/account'));
    expect(page.status).toBe(503);

    // Back by itself, no restart: /healthz answers 200 again within the wait's bound (the
    // README's "within 2 s"; the reconnect backoff is capped at 1 s).
    await redis.start();
    await expect
      .poll(async () => (await fetch(`${url}/healthz`)).status, { timeout: 2_000, interval: 100 })
      .toBe(200);

    // The refused handoff was not consumed: it redeems now, once.
    expect(
      (await pending.post('/handoff', { handoff: reply.handoff })).headers.get('location'),
    ).toBe('/account');
    expect(
      (await pending.post('/handoff', { handoff: reply.handoff })).headers.get('location'),
    ).toBe('/login');
    // And the session from before the outage survived it.
    expect((await settled.fetch('/account')).status).toBe(200);
  });
});
