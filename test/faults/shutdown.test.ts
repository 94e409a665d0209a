import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../helpers/browser-session.ts';
import { freePort, type Instance, startInstance } from '../helpers/cluster.ts';

let dataDir: string;
let env: Record<string, string>;
let url: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-shutdown-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_ORIGIN: url,
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
  };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('graceful shutdown on SIGTERM', () => {
  it('finishes in-flight requests, closes live sockets with 1012 and exits 0 within 10 seconds', async () => {
    const instance = await startInstance(env);
    try {
      const browser = new BrowserSession(url);
      await browser.fetch('/signup');
      const live = await browser.openSocket();
      // A sign-up hashes with OWASP scrypt (a few hundred ms): it is in flight at SIGTERM.
      const inFlight = browser.post('/signup', {
        email: 'inflight@example.com',
        password: 'a fine password',
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const started = Date.now();
      const exited = instance.stop();
      expect(await live.closed).toEqual({ code: 1012, reason: 'service restart' });
      const response = await inFlight;
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/account');
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await instance.stop();
    }
  });

  it('lets a sign-in go through a restart of the instance serving its socket', async () => {
    let instance: Instance = await startInstance(env);
    try {
      const browser = new BrowserSession(url);
      await browser.fetch('/signup');
      const first = await browser.openSocket();
      const validated = await first.request({
        type: 'validate',
        form: 'signup',
        fields: { email: 'restart@example.com', password: 'a fine password' },
      });
      expect(validated).toEqual({ type: 'validated', ref: 1, errors: {} });
      const stopping = instance.stop();
      expect((await first.closed).code).toBe(1012);
      await stopping;
      // The client reconnects (here: to the same instance, restarted) and submits there.
      instance = await startInstance(env);
      const second = await browser.openSocket();
      const reply = await second.request({
        type: 'submit',
        form: 'signup',
        fields: { email: 'restart@example.com', password: 'a fine password' },
      });
      second.close();
      if (reply.type !== 'accepted') throw new Error(`sign-up refused: ${JSON.stringify(reply)}`);
      expect(
        (await browser.post('/handoff', { handoff: reply.handoff })).headers.get('location'),
      ).toBe('/account');
      expect(await (await browser.fetch('/account')).text()).toContain('restart@example.com');
    } finally {
      await instance.stop();
    }
  });
});
