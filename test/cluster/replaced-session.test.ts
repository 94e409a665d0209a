/**
 * A session replaced on one instance ends on every instance: its sockets on the other one
 * are told and closed (Redis pub/sub), so none of them can submit a form under it.
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
const ENDED = { type: 'session-ended', reason: 'revoked' } satisfies ServerMessage;

describe.skipIf(skip !== null)('a session replaced on another instance', () => {
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

  /** A browser signed up on A over the plain post. */
  async function signedInOnA(): Promise<{ onA: BrowserSession; email: string }> {
    const email = `${randomUUID()}@example.test`;
    const onA = new BrowserSession(a.url);
    await (await onA.fetch('/signup')).arrayBuffer();
    const response = await onA.post('/signup', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    return { onA, email };
  }

  it('closes the socket on A when the password is changed over a socket on B and redeemed there', async () => {
    const { onA } = await signedInOnA();
    const socket = await onA.openSocket();
    const onB = sameBrowserOn(onA, b);
    const handoff = await handoffFor(onB, 'change-password', {
      password: PASSWORD,
      newPassword: 'a brand new password 2',
    });

    expect((await onB.post('/handoff', { handoff })).headers.get('location')).toBe('/account');

    expect(await socket.waitFor((m) => m.type === 'session-ended', 2_000)).toEqual(ENDED);
    expect(await socket.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect((await onA.fetch('/account')).status).toBe(200);
  });

  it('closes 4 sockets on A and 4 on B when 6 copies of a handoff race on both, redeeming once', async () => {
    const { onA, email } = await signedInOnA();
    const onB = sameBrowserOn(onA, b);
    const sockets = await Promise.all([
      ...Array.from({ length: 4 }, () => onA.openSocket()),
      ...Array.from({ length: 4 }, () => onB.openSocket()),
    ]);
    const handoff = await handoffFor(onA, 'login', { email, password: PASSWORD });

    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const response = await (i % 2 ? onB : onA).post('/handoff', { handoff });
        await response.arrayBuffer();
        return response.headers.get('location');
      }),
    );

    expect(outcomes.filter((location) => location === '/account')).toHaveLength(1);
    const closes = await Promise.all(sockets.map((socket) => socket.closed));
    expect(closes.map((close) => close.code)).toEqual(Array(8).fill(4001));
  });
});
