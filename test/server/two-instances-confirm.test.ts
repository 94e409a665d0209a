/**
 * Email confirmation across two Baton instances sharing one Redis (store and session
 * events): a link mailed at a sign-up on one instance confirms on the other, exactly once
 * however submits on both race, over the live socket and the plain post; the resend's
 * email limit holds across both.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import type { RedisStore } from '../../server/store/redis.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { submitOverSocket } from '../helpers/live-forms.ts';
import { redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { redisInstances, sharedLimiters } from '../helpers/redis-instances.ts';
import type { RunningServer } from '../helpers/start-server.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();
const PASSWORD = 'the password 1';
const CONFIRMED = 'Your email is confirmed.';
const INVALID = 'That confirmation link is invalid or has expired.';

describe.skipIf(skip !== null)('email confirmation on two instances sharing Redis', () => {
  const instances = redisInstances(prefix);
  let a: RunningServer;
  let b: RunningServer;

  // The limits count in Redis, so both instances count together.
  const shared = (store: RedisStore) => ({ limiters: sharedLimiters(store) });

  beforeAll(async () => {
    a = await instances.start(shared);
    b = await instances.start(shared);
  });
  afterAll(() => instances.stop());

  /** A new account signed up on `on`; its browser and the confirmation token mailed. */
  async function signedUp(on: RunningServer) {
    const email = `${randomUUID()}@example.test`;
    const owner = new BrowserSession(on.url);
    await owner.fetch('/signup');
    expect((await owner.post('/signup', { email, password: PASSWORD })).status).toBe(303);
    await on.baton.mailer.idle();
    const mail = (await (await fetch(`${on.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
    const text = mail.find((each) => each.to === email)?.text ?? '';
    const token = /\/confirm\/([\w-]+)/.exec(text)?.[1];
    if (!token) throw new Error('no confirmation link was mailed');
    return { email, owner, token };
  }

  /** What the page a response leads to says. */
  async function landing(browser: BrowserSession, response: Response): Promise<string> {
    const location = response.headers.get('location');
    if (!location) throw new Error(`expected a redirect, got ${response.status}`);
    return (await browser.fetch(location)).text();
  }

  it('confirms on one instance with a link mailed by the other, and the owner’s account page on the first stops asking for it', async () => {
    const { email, owner, token } = await signedUp(a);
    const browser = new BrowserSession(b.url);
    expect((await browser.fetch(`/confirm/${token}`)).status).toBe(200);
    expect(await landing(browser, await browser.post(`/confirm/${token}`, {}))).toContain(
      CONFIRMED,
    );

    expect((await a.store.accounts.findByEmail(email))?.emailConfirmedAt).not.toBeNull();
    const page = await (await owner.fetch('/account')).text();
    expect(page).not.toContain('Resend confirmation email');
  });

  it('lets exactly one of many submits of one link through, across both instances and both paths', async () => {
    const { token } = await signedUp(a);
    const browsers = Array.from({ length: 8 }, (_, i) => new BrowserSession((i % 2 ? a : b).url));
    for (const browser of browsers) await browser.fetch(`/confirm/${token}`);

    const pages = await Promise.all(
      browsers.map(async (browser, i) => {
        if (i % 4 < 2) return landing(browser, await browser.post(`/confirm/${token}`, {}));
        const reply = await submitOverSocket(browser, 'confirm', { token });
        if (reply.type !== 'accepted') throw new Error(`expected accepted, got ${reply.type}`);
        return landing(browser, await browser.post('/handoff', { handoff: reply.handoff }));
      }),
    );

    expect(pages.filter((page) => page.includes(CONFIRMED))).toHaveLength(1);
    expect(pages.filter((page) => page.includes(INVALID))).toHaveLength(7);
  });

  it('holds the resend to the address’s allowance across both instances at once', async () => {
    const { email, owner } = await signedUp(a);
    const onB = new BrowserSession(b.url);
    for (const [name, value] of owner.cookies) onB.cookies.set(name, value);

    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? owner : onB).post('/account/confirmation', {}).then((response) => response.status),
      ),
    );

    // The sign-up's email took one of the address's 5.
    expect(statuses.filter((status) => status === 303)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
    await Promise.all([a.baton.mailer.idle(), b.baton.mailer.idle()]);
    const mail = (await (await fetch(`${a.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
    expect(mail.filter((each) => each.to === email)).toHaveLength(5);
  });
});
