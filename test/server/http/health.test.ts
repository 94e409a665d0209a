import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/logger.ts';
import { RedisUnavailableError } from '../../../server/store/redis-connection.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/store.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { startServer } from '../../helpers/start-server.ts';

/** A real store reporting itself as Redis, whose ping fails the way a lost Redis does. */
function brokenRedis(): Store {
  const real = openSqliteStore({ file: ':memory:' });
  return {
    kind: 'redis',
    accounts: real.accounts,
    sessions: real.sessions,
    handoffs: real.handoffs,
    twoFactor: real.twoFactor,
    passkeys: real.passkeys,
    challenges: real.challenges,
    tokens: real.tokens,
    mailbox: real.mailbox,
    devices: real.devices,
    ping: () =>
      Promise.reject(
        new RedisUnavailableError(
          'Redis at redis://10.1.2.3:6379/0 is unreachable: connect ECONNREFUSED 10.1.2.3:6379',
        ),
      ),
    close: () => real.close(),
  };
}

async function serverWithBrokenRedis() {
  const logs = captureLogs();
  const store = brokenRedis();
  const server = await startServer({
    store,
    logger: createLogger({ level: 'info', destination: logs.destination }),
  });
  return {
    server,
    logs,
    stop: async () => {
      await server.stop();
      await store.close();
    },
  };
}

describe('GET /healthz', () => {
  it('answers 503 with a generic reason, never the store host or its error', async () => {
    const { server, logs, stop } = await serverWithBrokenRedis();
    try {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(503);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ ok: false, store: 'redis', reason: 'store unreachable' });
      expect(text).not.toContain('10.1.2.3');
      expect(logs.records()).toContainEqual(
        expect.objectContaining({
          level: 40,
          code: 'health.store-unreachable',
          store: 'redis',
          reason:
            'Redis at redis://10.1.2.3:6379/0 is unreachable: connect ECONNREFUSED 10.1.2.3:6379',
        }),
      );
    } finally {
      await stop();
    }
  });

  it('answers 200 with the store kind while the store answers', async () => {
    const server = await startServer();
    try {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, store: 'sqlite' });
    } finally {
      await server.stop();
    }
  });
});
