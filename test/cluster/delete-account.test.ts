/**
 * Deleting an account on one instance, seen from the other: the account's sockets there
 * are told and closed, a handoff sealed there for the account no longer redeems, and the
 * address signs up again there at once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type Cluster, type Instance, sameBrowserOn, startCluster } from '../helpers/cluster.ts';
import { handoffFor } from '../helpers/live-forms.ts';
import { deleteKeys, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';

const skip = await redisSkipReason();
const PASSWORD = 'a long enough password';
const DELETED = { type: 'session-ended', reason: 'deleted' } satisfies ServerMessage;

describe.skipIf(skip !== null)('an account deleted on another instance', () => {
  const prefix = uniquePrefix();
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    cluster = await startCluster({ prefix });
    [a, b] = cluster.instances as [Instance, Instance];
  });

  afterAll(async () => {
    await cluster?.stop();
    await deleteKeys(prefix);
  });

  async function signedUpOn(instance: Instance, email: string): Promise<BrowserSession> {
    const browser = new BrowserSession(instance.url);
    await (await browser.fetch('/signup')).arrayBuffer();
    const response = await browser.post('/signup', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    return browser;
  }

  async function loggedInOn(instance: Instance, email: string): Promise<BrowserSession> {
    const browser = new BrowserSession(instance.url);
    await (await browser.fetch('/login')).arrayBuffer();
    const response = await browser.post('/login', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    return browser;
  }

  it("closes the account's sockets on B when it is deleted on A, and frees the address there", async () => {
    const email = `${randomUUID()}@example.test`;
    const here = await signedUpOn(a, email);
    const elsewhere = await loggedInOn(b, email);
    const socket = await elsewhere.openSocket();

    const response = await here.post('/account/delete', {});

    expect(response.headers.get('location')).toBe('/login');
    expect(await socket.waitFor((m) => m.type === 'session-ended', 2_000)).toEqual(DELETED);
    expect(await socket.closed).toEqual({ code: 4001, reason: 'deleted' });
    expect((await elsewhere.fetch('/account')).headers.get('location')).toBe('/login');
    await signedUpOn(b, email);
  });

  it('closes the deleting session’s own sockets on B once its live handoff is posted on A', async () => {
    const email = `${randomUUID()}@example.test`;
    const onA = await signedUpOn(a, email);
    const otherTab = await sameBrowserOn(onA, b).openSocket();

    const handoff = await handoffFor(onA, 'delete-account', {});
    const response = await onA.post('/handoff', { handoff });

    expect(response.headers.get('location')).toBe('/login');
    expect(await otherTab.waitFor((m) => m.type === 'session-ended', 2_000)).toMatchObject({
      type: 'session-ended',
    });
    expect((await otherTab.closed).code).toBe(4001);
  });

  it('refuses on A a sign-in handoff sealed on B before the account was deleted', async () => {
    const email = `${randomUUID()}@example.test`;
    const owner = await signedUpOn(a, email);
    const visitor = new BrowserSession(b.url);
    await (await visitor.fetch('/login')).arrayBuffer();
    const handoff = await handoffFor(visitor, 'login', { email, password: PASSWORD });

    await owner.post('/account/delete', {});
    const redeemed = await sameBrowserOn(visitor, a).post('/handoff', { handoff });

    expect(redeemed.headers.get('location')).toBe('/login');
    expect(visitor.cookies.has('baton.sid')).toBe(false);
  });
});
