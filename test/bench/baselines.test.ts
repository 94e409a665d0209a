import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hosted } from '../../bench/servers/host.ts';
import { startKoaSession } from '../../bench/servers/koa-session.ts';
import { overloadBrowsers } from '../../scripts/soak/run.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-test-baselines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Signs in once on a koa-session baseline and returns the session key its cookie carries. */
async function sessionKey(ids: 'uuid' | 'time-ordered' | undefined): Promise<string> {
  const hosted: Hosted = await startKoaSession({
    kind: 'koa-session',
    secret: 'test-baseline-secret-long-enough-for-koa-0001',
    store: { type: 'sqlite', file: path.join(dir, `${ids ?? 'default'}.db`) },
    ...(ids ? { ids } : {}),
  });
  try {
    const { port } = hosted.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/handoff`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'handoff=x',
    });
    expect(response.status).toBe(303);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('koa.sess='));
    return (cookie ?? '').split(';')[0]?.slice('koa.sess='.length) ?? '';
  } finally {
    await hosted.close();
  }
}

describe('the redeem baseline (Koa + koa-session)', () => {
  it("keys sessions by koa-session's default UUIDs unless told otherwise", async () => {
    expect(await sessionKey(undefined)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("keys sessions by time-ordered ids like Baton's with ids: 'time-ordered'", async () => {
    const before = Date.now();
    const key = await sessionKey('time-ordered');
    expect(key).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    const drawnAt = Number.parseInt(key.slice(0, 12), 16);
    expect(drawnAt).toBeGreaterThanOrEqual(before);
    expect(drawnAt).toBeLessThanOrEqual(Date.now());
  });
});

describe('overloadBrowsers', () => {
  it('is twice the 10 browsers per core the soak targets are set for', () => {
    expect(overloadBrowsers(2)).toBe(40);
    expect(overloadBrowsers(1)).toBe(20);
  });

  it('stays within the soak runner’s 200 browsers', () => {
    expect(overloadBrowsers(64)).toBe(200);
  });
});
