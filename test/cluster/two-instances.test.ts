import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealHandoff } from '../../server/handoff/seal.ts';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { cookieNames } from '../../server/session/cookies.ts';
import { openRedisStore, type RedisStore } from '../../server/store/redis.ts';
import type { ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import {
  CLUSTER_SECRET,
  type Cluster,
  type Instance,
  sameBrowserOn,
  startCluster,
} from '../helpers/cluster.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';

const skip = await redisSkipReason();
const PASSWORD = 'a long enough password';

/** Where a form post sent the browser: "303 /account", "303 /login", or the odd status. */
async function outcome(response: Response): Promise<string> {
  await response.arrayBuffer();
  return `${response.status} ${response.headers.get('location') ?? ''}`.trim();
}

/** A new browser that has loaded `/signup` on `instance`, so it holds a binding cookie. */
async function freshBrowser(instance: Instance): Promise<BrowserSession> {
  const browser = new BrowserSession(instance.url);
  const page = await browser.fetch('/signup');
  await page.arrayBuffer();
  expect(page.status).toBe(200);
  return browser;
}

/** Signs up over the live socket of the browser's instance; resolves with the sealed handoff. */
async function signUpOver(browser: BrowserSession): Promise<{ email: string; handoff: string }> {
  const email = `${randomUUID()}@example.test`;
  const socket = await browser.openSocket();
  try {
    const reply = await socket.request({
      type: 'submit',
      form: 'signup',
      fields: { email, password: PASSWORD },
    });
    if (reply.type !== 'accepted') throw new Error(`sign-up refused: ${JSON.stringify(reply)}`);
    return { email, handoff: reply.handoff };
  } finally {
    socket.close();
  }
}

/** Runs `task` over `items` with at most `limit` in flight; resolves with the results in order. */
async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe.skipIf(skip !== null)('two Baton processes on one Redis', () => {
  const prefix = uniquePrefix();
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let store: RedisStore;

  beforeAll(async () => {
    cluster = await startCluster({ prefix });
    [a, b] = cluster.instances as [Instance, Instance];
    // The test's own view of the shared store, to set up accounts without the socket.
    store = openRedisStore({ url: REDIS_URL, prefix });
  });

  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await deleteKeys(prefix);
  });

  it('reports the redis store on /healthz of both', async () => {
    for (const instance of [a, b]) {
      const response = await fetch(`${instance.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, store: 'redis' });
    }
  });

  it('signs the browser in on both when A’s socket issues the handoff and B redeems it', async () => {
    const onA = await freshBrowser(a);
    const onB = sameBrowserOn(onA, b);
    const { email, handoff } = await signUpOver(onA);

    expect(await outcome(await onB.post('/handoff', { handoff }))).toBe('303 /account');

    const pageOnA = await onA.fetch('/account');
    const pageOnB = await onB.fetch('/account');
    expect(pageOnA.status).toBe(200);
    expect(pageOnB.status).toBe(200);
    expect(await pageOnA.text()).toContain(email);
    expect(await pageOnB.text()).toContain(email);
  });

  it('refuses a replay on A of a handoff redeemed on B, and the browser stays signed in', async () => {
    const onA = await freshBrowser(a);
    const onB = sameBrowserOn(onA, b);
    const { handoff } = await signUpOver(onA);
    expect(await outcome(await onB.post('/handoff', { handoff }))).toBe('303 /account');

    expect(await outcome(await onA.post('/handoff', { handoff }))).toBe('303 /login');
    expect(await outcome(await onB.post('/handoff', { handoff }))).toBe('303 /login');

    expect((await onA.fetch('/account')).status).toBe(200);
  });

  it('redeems each of 200 handoffs exactly once when each is posted 5 times at once across both', async () => {
    // The handoffs are sealed here with the instances' SECRET_KEYS, as a third instance
    // would: 200 sign-ins over the socket would cost 200 scrypt hashes at OWASP cost
    // (about 0.4 s each on a small machine) and measure hashing, not the shared ledger.
    const ring = createKeyRing([CLUSTER_SECRET]);
    const account = await store.accounts.create(`${randomUUID()}@example.test`, 'unused-hash');
    if (account === null) throw new Error('the account was not created');
    const bindingCookie = cookieNames(false).binding;
    const browsers = await inPool(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b)),
      20,
      (instance) => freshBrowser(instance),
    );
    const handoffs = browsers.map((browser) => {
      const binding = browser.cookies.get(bindingCookie);
      if (binding === undefined) throw new Error(`no ${bindingCookie} cookie after GET /signup`);
      return sealHandoff(
        ring,
        {
          binding,
          destination: '/account',
          change: { kind: 'sign-in', accountId: account.id, credentialVersion: 0, remember: false },
          flash: [],
        },
        { ttlSeconds: 60 },
      );
    });

    const started = performance.now();
    // 20 handoffs in flight, 100 requests; each handoff's 5 copies alternate between the
    // instances, starting on A for even handoffs and on B for odd ones.
    const perHandoff = await inPool(handoffs, 20, (handoff, i) => {
      const browser = browsers[i] as BrowserSession;
      const targets = Array.from({ length: 5 }, (_, copy) => ((i + copy) % 2 === 0 ? a : b));
      return Promise.all(
        targets.map(async (instance) =>
          outcome(await sameBrowserOn(browser, instance).post('/handoff', { handoff })),
        ),
      );
    });
    const elapsedMs = performance.now() - started;

    const all = perHandoff.flat();
    expect(all).toHaveLength(1000);
    expect(all.filter((o) => o === '303 /account')).toHaveLength(200);
    expect(all.filter((o) => o === '303 /login')).toHaveLength(800);
    expect(perHandoff.map((copies) => copies.filter((o) => o === '303 /account').length)).toEqual(
      handoffs.map(() => 1),
    );
    // Both instances redeemed some: the ledger, not one process, decided.
    const winners = perHandoff.map((copies, i) => (i + copies.indexOf('303 /account')) % 2);
    expect(new Set(winners)).toEqual(new Set([0, 1]));
    console.info(`1000 handoff posts over two instances took ${Math.round(elapsedMs)} ms`);
  });

  it('closes the session’s socket on A, saying why, when the browser signs out on B', async () => {
    const onA = await freshBrowser(a);
    const onB = sameBrowserOn(onA, b);
    const { handoff } = await signUpOver(onA);
    expect(await outcome(await onA.post('/handoff', { handoff }))).toBe('303 /account');
    const socket = await onA.openSocket();

    expect(await outcome(await onB.post('/logout', {}))).toBe('303 /login');

    // Told, then closed: pushed over the bus, so it comes well within the wait's bound (the
    // contract's "within a few seconds"), with no poll in between.
    const ended = await socket.waitFor((message) => message.type === 'session-ended', 3_000);
    const closed = await socket.closed;
    expect(ended).toEqual({ type: 'session-ended', reason: 'signed-out' } satisfies ServerMessage);
    expect(closed).toEqual({ code: 4001, reason: 'signed-out' });
    expect(await outcome(await onA.fetch('/account'))).toBe('303 /login');
  });

  it('tells the browser’s other tab on A when a handoff issued there is redeemed on B', async () => {
    const onA = await freshBrowser(a);
    const otherTab = await onA.openSocket();
    const { handoff } = await signUpOver(onA);

    expect(await outcome(await sameBrowserOn(onA, b).post('/handoff', { handoff }))).toBe(
      '303 /account',
    );

    expect(await otherTab.waitFor((m) => m.type === 'signed-in', 2_000)).toEqual({
      type: 'signed-in',
    } satisfies ServerMessage);
    otherTab.close();
  });

  it('stops both instances cleanly on SIGTERM', async () => {
    const codes = await Promise.all([a.stop(), b.stop()]);

    expect(codes).toEqual([0, 0]);
    expect(a.output()).not.toContain(CLUSTER_SECRET);
    expect(b.output()).not.toContain(CLUSTER_SECRET);
  });
});
