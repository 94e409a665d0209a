/**
 * Changing the email across two Baton instances sharing one Redis (store and session
 * events): a link asked for on one instance works on the other, exactly once however the
 * two race, and the change closes the account's other sockets on both.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../server/config.ts';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { cloneBrowser } from '../helpers/live-forms.ts';
import { redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { redisInstances } from '../helpers/redis-instances.ts';
import type { RunningServer } from '../helpers/start-server.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();
const PASSWORD = 'the password 1';

describe.skipIf(skip !== null)('email change on two instances sharing Redis', () => {
  const instances = redisInstances(prefix);
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    a = await instances.start(() => ({ limits: { ...DEFAULT_LIMITS, signupsPerIp: 1000 } }));
    b = await instances.start(() => ({ limits: { ...DEFAULT_LIMITS, signupsPerIp: 1000 } }));
  });
  afterAll(() => instances.stop());

  /** A new account signed in on `a`, and a link mailed to a new address, asked for on `a`. */
  async function withLink() {
    const email = `${randomUUID()}@example.test`;
    const next = `${randomUUID()}@example.test`;
    const owner = new BrowserSession(a.url);
    await owner.fetch('/signup');
    expect((await owner.post('/signup', { email, password: PASSWORD })).status).toBe(303);
    await owner.fetch('/change-email');
    await owner.post('/change-email', { email: next, password: PASSWORD });
    await a.baton.mailer.idle();
    const mail = (await (await fetch(`${a.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
    const text = mail.find((each) => each.to === next)?.text ?? '';
    const token = /\/confirm-email\/([\w-]+)/.exec(text)?.[1];
    if (!token) throw new Error('no email change link was mailed');
    return { email, next, owner, token };
  }

  /** Another browser signed in to `email` on `on`. */
  async function signedIn(on: RunningServer, email: string): Promise<BrowserSession> {
    const browser = new BrowserSession(on.url);
    await browser.fetch('/login');
    const response = await browser.post('/login', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    return browser;
  }

  it('takes a link issued on one instance on the other, and closes the other sockets on the first', async () => {
    const { email, next, owner, token } = await withLink();
    const other = await signedIn(a, email);
    const socket = await other.openSocket();
    const onB = cloneBrowser(owner, b.url);

    expect((await onB.fetch(`/confirm-email/${token}`)).status).toBe(200);
    const response = await onB.post(`/confirm-email/${token}`, {});
    expect(response.headers.get('location')).toBe('/account');

    expect(await socket.closed).toEqual({ code: 4001, reason: 'revoked' });
    expect((await other.fetch('/account')).headers.get('location')).toBe('/login');
    expect(await (await onB.fetch('/account')).text()).toContain(next);
    const login = await new BrowserSession(a.url).post('/login', {
      email: next,
      password: PASSWORD,
    });
    expect(login.headers.get('location')).toBe('/account');
  });

  it('lets exactly one of many submits of one link through, across both instances', async () => {
    const { next, owner, token } = await withLink();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const tab = cloneBrowser(owner, (i % 2 ? a : b).url);
        const response = await tab.post(`/confirm-email/${token}`, {});
        return response.headers.get('location');
      }),
    );
    expect(outcomes.filter((to) => to === '/account')).toHaveLength(1);
    // The rest find the link used, or the session they share replaced by the winner's.
    for (const to of outcomes.filter((each) => each !== '/account'))
      expect(['/change-email', '/login']).toContain(to);
    expect((await a.store.accounts.findByEmail(next))?.credentialVersion).toBe(1);
  });
});
