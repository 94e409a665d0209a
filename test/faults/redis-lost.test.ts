import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../helpers/browser-session.ts';
import { CLUSTER_SECRET, freePort, type Instance, startInstance } from '../helpers/cluster.ts';
import { type OwnRedis, ownRedis } from '../helpers/redis-server.ts';

/** Time a request takes; while Redis is gone nothing may hang past the store's timeout. */
async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

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

    const redeem = await timed(pending.post('/handoff', { handoff: reply.handoff }));
    expect(redeem.value.status).toBe(503);
    expect(redeem.value.headers.get('retry-after')).toBe('2');
    expect(await redeem.value.text()).toContain('Try again');
    expect(redeem.ms).toBeLessThan(3000);

    const health = await timed(fetch(`${url}/healthz`));
    expect(health.value.status).toBe(503);
    expect(health.ms).toBeLessThan(3000);

    const submit = await timed(
      live.request({
        type: 'submit',
        form: 'login',
        fields: { email: 'settled@example.com', password: 'a fine password' },
      }),
    );
    expect(submit.value).toMatchObject({ type: 'error', code: 'service.unavailable' });
    expect(submit.ms).toBeLessThan(3000);
    live.close();

    const page = await timed(settled.fetch('/account'));
    expect(page.value.status).toBe(503);
    expect(page.ms).toBeLessThan(3000);

    await redis.start();
    const back = Date.now();
    let healthy = false;
    while (!healthy && Date.now() - back < 5000) {
      healthy = (await fetch(`${url}/healthz`)).status === 200;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(healthy).toBe(true);
    expect(Date.now() - back).toBeLessThan(2000);

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
