import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type Cluster, type Instance, startCluster } from '../helpers/cluster.ts';
import { deleteKeys, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';

const skip = await redisSkipReason();
const SIGNUPS = 3;
const SOCKETS = 4;

function signUpVia(instance: Instance, forwardedFor: string, email: string): Promise<number> {
  return fetch(`${instance.url}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: instance.url,
      'x-forwarded-for': forwardedFor,
    },
    body: new URLSearchParams({ email, password: 'a long enough password' }).toString(),
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
}

function upgradeStatus(instance: Instance, cookie: string, forwardedFor: string) {
  return new Promise<number>((resolve) => {
    const socket = new WebSocket(`${instance.url.replace('http', 'ws')}/live`, {
      headers: { cookie, origin: instance.url, 'x-forwarded-for': forwardedFor },
    });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
  });
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe.skipIf(skip !== null)('two instances behind one proxy (TRUST_PROXY=1)', () => {
  const prefix = uniquePrefix();
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    cluster = await startCluster({
      prefix,
      env: {
        TRUST_PROXY: '1',
        LIMIT_SIGNUPS_PER_IP: String(SIGNUPS),
        LIMIT_SOCKETS_PER_IP: String(SOCKETS),
      },
    });
    [a, b] = cluster.instances as [Instance, Instance];
  });
  afterAll(async () => {
    await cluster?.stop();
    await deleteKeys(prefix);
  });

  it('counts one client once across both, whatever it writes left of the proxy entry', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signUpVia(i % 2 ? a : b, `6.6.6.${i}, 203.0.113.60`, `cluster-spoof${i}@example.test`),
      ),
    );
    expect(count(statuses, 303)).toBe(SIGNUPS);
    expect(count(statuses, 429)).toBe(8 - SIGNUPS);
  });

  it('limits the socket door across both, whatever the client writes left of the proxy entry', async () => {
    const browser = new BrowserSession(a.url);
    const page = await browser.fetch('/login');
    await page.arrayBuffer();
    const statuses = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        upgradeStatus(i % 2 ? a : b, browser.cookieHeader(), `6.6.7.${i}, 203.0.113.61`),
      ),
    );
    expect(count(statuses, 101)).toBe(SOCKETS);
    expect(count(statuses, 429)).toBe(9 - SOCKETS);
  });
});
