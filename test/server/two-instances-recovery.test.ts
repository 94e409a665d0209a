/**
 * Password reset across two Baton instances sharing one Redis (store and session events): a
 * link asked for on one instance works on the other, exactly once however the two race, and
 * the reset closes the account's sockets on both.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { redisInstances } from '../helpers/redis-instances.ts';
import type { RunningServer } from '../helpers/start-server.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();
const OLD = 'the old password 1';
const NEW = 'a brand new password 2';

describe.skipIf(skip !== null)('password reset on two instances sharing Redis', () => {
  const instances = redisInstances(prefix);
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    a = await instances.start();
    b = await instances.start();
  });
  afterAll(() => instances.stop());

  /** A new account signed in on `on`, and a reset link for it asked for on `on` too. */
  async function withLink(on: RunningServer) {
    const email = `${randomUUID()}@example.test`;
    const owner = new BrowserSession(on.url);
    await owner.fetch('/signup');
    expect((await owner.post('/signup', { email, password: OLD })).status).toBe(303);
    const asker = new BrowserSession(on.url);
    await asker.fetch('/forgot-password');
    await asker.post('/forgot-password', { email });
    await on.baton.mailer.idle();
    const mail = (await (await fetch(`${on.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
    const text = mail.find((each) => each.to === email)?.text ?? '';
    const token = /\/reset-password\/([\w-]+)/.exec(text)?.[1];
    if (!token) throw new Error('no reset link was mailed');
    return { email, owner, token };
  }

  /** Posts the link's form on `on` from a fresh browser; resolves with where it went. */
  async function reset(on: RunningServer, token: string): Promise<string | null> {
    const browser = new BrowserSession(on.url);
    await browser.fetch('/login');
    const response = await browser.post(`/reset-password/${token}`, { newPassword: NEW });
    return response.headers.get('location');
  }

  it('takes a link issued on one instance on the other, and closes the sockets on the first', async () => {
    const { email, owner, token } = await withLink(a);
    const socket = await owner.openSocket();

    expect((await new BrowserSession(b.url).fetch(`/reset-password/${token}`)).status).toBe(200);
    expect(await reset(b, token)).toBe('/account');

    expect(await socket.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect((await owner.fetch('/account')).headers.get('location')).toBe('/login');
    const login = await new BrowserSession(a.url).post('/login', { email, password: NEW });
    expect(login.headers.get('location')).toBe('/account');
  });

  it('lets exactly one of many submits of one link through, across both instances', async () => {
    const { token } = await withLink(a);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => reset(i % 2 ? a : b, token)),
    );
    expect(outcomes.filter((to) => to === '/account')).toHaveLength(1);
    expect(outcomes.filter((to) => to === '/forgot-password')).toHaveLength(5);
  });
});
