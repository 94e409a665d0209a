/**
 * The sessions page across instances: "Sign out" on A closes that session's socket on B,
 * and a sessions page watching on B hears sessions start and end on A.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../shared/protocol.ts';
import { BrowserSession, type LiveClient } from '../helpers/browser-session.ts';
import { type Cluster, type Instance, startCluster } from '../helpers/cluster.ts';
import { pageData } from '../helpers/live-forms.ts';
import { deleteKeys, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';

const skip = await redisSkipReason();
const PASSWORD = 'a long enough password';

describe.skipIf(skip !== null)('the sessions page on two instances', () => {
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

  async function signedIn(instance: Instance, email: string, form: 'signup' | 'login') {
    const browser = new BrowserSession(instance.url);
    await (await browser.fetch(`/${form}`)).arrayBuffer();
    const response = await browser.post(`/${form}`, { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    return browser;
  }

  async function sessionsOf(browser: BrowserSession): Promise<SessionView[]> {
    const data = pageData(await (await browser.fetch('/account/sessions')).text());
    return data.page === 'sessions' ? data.sessions : [];
  }

  function pushed(socket: LiveClient, test: (sessions: SessionView[]) => boolean) {
    return socket.waitFor(
      (m) => m.type === 'sessions' && m.ref === null && test(m.sessions),
      3_000,
    );
  }

  it('closes the socket on B of a session signed out on A', async () => {
    const email = `${randomUUID()}@example.test`;
    const onA = await signedIn(a, email, 'signup');
    const onB = await signedIn(b, email, 'login');
    const socket = await onB.openSocket();
    const other = (await sessionsOf(onA)).find((session) => !session.current);

    const response = await onA.post('/account/sessions/sign-out', { handle: other?.handle ?? '' });

    expect(response.headers.get('location')).toBe('/account/sessions');
    expect(await socket.waitFor((m) => m.type === 'session-ended', 2_000)).toEqual({
      type: 'session-ended',
      reason: 'signed-out',
    });
    expect(await socket.closed).toEqual({ code: 4001, reason: 'signed-out' });
    expect((await onB.fetch('/account')).headers.get('location')).toBe('/login');
  });

  it('updates a sessions page on B when a session starts, then is signed out, on A', async () => {
    const email = `${randomUUID()}@example.test`;
    const onB = await signedIn(b, email, 'signup');
    await (await onB.fetch('/account/sessions')).arrayBuffer();
    const socket = await onB.openSocket();
    const first = await socket.request({ type: 'watch-sessions' });
    expect(first.type === 'sessions' && first.sessions).toHaveLength(1);

    const onA = await signedIn(a, email, 'login');
    await pushed(socket, (sessions) => sessions.length === 2);
    await onA.post('/logout', {});
    await pushed(socket, (sessions) => sessions.length === 1);
    socket.close();
  });
});
