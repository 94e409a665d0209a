import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { CLUSTER_SECRET, freePort, type Instance, startInstance } from '../helpers/cluster.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';

const PASSWORD = 'a fine password';

async function signUpOverSocket(browser: BrowserSession, email: string): Promise<string> {
  await browser.fetch('/signup');
  const live = await browser.openSocket();
  const reply = (await live.request({
    type: 'submit',
    form: 'signup',
    fields: { email, password: PASSWORD },
  })) as ServerMessage;
  live.close();
  if (reply.type !== 'accepted') throw new Error(`sign-up refused: ${JSON.stringify(reply)}`);
  return reply.handoff;
}

/**
 * Seals a handoff and signs another browser in on one instance, restarts it, and checks
 * what must survive: the handoff redeems once, a replay is refused, the session holds.
 */
async function restartScenario(env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_ORIGIN: url,
    LOG_LEVEL: 'warn',
    ...env,
  };
  let instance: Instance = await startInstance(base);
  try {
    const pending = new BrowserSession(url);
    const handoff = await signUpOverSocket(pending, `pending-${port}@example.com`);
    const settled = new BrowserSession(url);
    const settledHandoff = await signUpOverSocket(settled, `settled-${port}@example.com`);
    expect(
      (await settled.post('/handoff', { handoff: settledHandoff })).headers.get('location'),
    ).toBe('/account');

    expect(await instance.stop()).toBe(0);
    instance = await startInstance(base);

    expect((await pending.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
    expect((await pending.post('/handoff', { handoff })).headers.get('location')).toBe('/login');
    expect(
      (await settled.post('/handoff', { handoff: settledHandoff })).headers.get('location'),
    ).toBe('/login');
    const account = await settled.fetch('/account');
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(`settled-${port}@example.com`);
  } finally {
    await instance.stop();
  }
}

describe('a restart between issue and redeem, on SQLite', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-restart-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('redeems a handoff sealed before it once, refuses replays, keeps sessions and the generated key', async () => {
    await restartScenario({
      DATA_DIR: dataDir,
      STORE_URL: `sqlite:${path.join(dataDir, 'baton.db')}`,
    });
    const key = readFileSync(path.join(dataDir, 'secret.key'), 'utf8');
    // A second restart reuses the same generated key file rather than making another.
    await restartScenario({
      DATA_DIR: dataDir,
      STORE_URL: `sqlite:${path.join(dataDir, 'baton.db')}`,
    });
    expect(readFileSync(path.join(dataDir, 'secret.key'), 'utf8')).toBe(key);
    // Four real server processes start one after another here (about 4 s each on a busy
    // 2-core machine), more than the default 20 s allows.
  }, 45_000);
});

const skipRedis = await redisSkipReason();
describe.skipIf(skipRedis !== null)('a restart between issue and redeem, on Redis', () => {
  const prefix = uniquePrefix();
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-restart-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await deleteKeys(prefix);
  });

  it('redeems a handoff sealed before it once, refuses replays and keeps sessions', async () => {
    await restartScenario({
      DATA_DIR: dataDir,
      SECRET_KEYS: CLUSTER_SECRET,
      STORE_URL: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`,
    });
  });
});
