/**
 * The two-step sign-in across two Baton instances sharing one Redis: the password given on
 * one instance, the code on the other, the handoff redeemed on the first; what is single
 * use (a code's time step, a recovery code) stays single use across both.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openRedisStore } from '../../../server/store/redis.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { cloneBrowser, submitOverSocket } from '../../helpers/live-forms.ts';
import { PASSWORD, plainPost, signedUp, testClock } from '../../helpers/outcomes.ts';
import { deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../../helpers/redis.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';
import { totpAt, turnOnTwoFactor } from '../../helpers/two-factor.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();

describe.skipIf(skip !== null)('two-factor sign-in on two instances sharing Redis', () => {
  const running: RunningServer[] = [];
  afterEach(async () => {
    for (const server of running.splice(0)) {
      await server.stop();
      await server.store.close();
    }
  });
  afterAll(async () => {
    await deleteKeys(prefix);
  });

  async function twoInstances() {
    const clock = testClock(Date.UTC(2030, 0, 1, 12, 0, 5));
    const start = () =>
      startServer({
        store: openRedisStore({ url: REDIS_URL, prefix, now: clock.now }),
        now: clock.now,
      });
    const a = await start();
    running.push(a);
    const b = await start();
    running.push(b);
    const email = `${randomUUID()}@example.test`;
    const owner = await signedUp(a.url, email);
    const { secret, recoveryCodes } = await turnOnTwoFactor(owner, clock.now());
    clock.advance(30_000);
    return { clock, a, b, email, secret, recoveryCodes };
  }

  it('takes the password on one instance and the code on the other, and refuses the code again on the first', async () => {
    const { clock, a, b, email, secret } = await twoInstances();
    const onA = new BrowserSession(a.url);
    await onA.fetch('/login');
    await plainPost(onA, 'login', { email, password: PASSWORD });
    const code = totpAt(secret, clock.now());

    const reply = await submitOverSocket(cloneBrowser(onA, b.url), 'login-code', { code });
    if (reply.type !== 'accepted')
      throw new Error(`expected accepted, got ${JSON.stringify(reply)}`);
    const redeemed = await onA.post('/handoff', { handoff: reply.handoff });

    expect(redeemed.headers.get('location')).toBe('/account');
    const other = new BrowserSession(a.url);
    await other.fetch('/login');
    await plainPost(other, 'login', { email, password: PASSWORD });
    const again = await other.post('/login-code', { code });
    expect(again.status).toBe(422);
    expect(other.cookies.has('baton.sid')).toBe(false);
  });

  it('uses a recovery code up on one instance for both', async () => {
    const { a, b, email, recoveryCodes } = await twoInstances();
    const [recovery = ''] = recoveryCodes;
    const first = new BrowserSession(a.url);
    await first.fetch('/login');
    await plainPost(first, 'login', { email, password: PASSWORD });
    expect((await first.post('/login-code', { code: recovery })).headers.get('location')).toBe(
      '/account',
    );

    const second = new BrowserSession(b.url);
    await second.fetch('/login');
    await plainPost(second, 'login', { email, password: PASSWORD });
    const reply = await submitOverSocket(second, 'login-code', { code: recovery });

    expect(reply).toMatchObject({ type: 'refused', code: 'two-factor.wrong-code' });
  });
});
