/**
 * The new-device notice across two Baton instances sharing one Redis: a browser new to the
 * account signing in on both at once gets the account exactly one email, and a browser
 * known on one instance is known on the other.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { cloneBrowser, handoffFor, signUpAndRedeem } from '../helpers/live-forms.ts';
import { redisSkipReason, uniquePrefix } from '../helpers/redis.ts';
import { redisInstances } from '../helpers/redis-instances.ts';
import type { RunningServer } from '../helpers/start-server.ts';

const skip = await redisSkipReason();
const prefix = uniquePrefix();
const PASSWORD = 'a long enough password';

describe.skipIf(skip !== null)('the new-device notice on two instances sharing Redis', () => {
  const instances = redisInstances(prefix);
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    a = await instances.start();
    b = await instances.start();
  });
  afterAll(() => instances.stop());

  /** The new-device notices to `to`, once both instances have handed theirs over. */
  async function noticesTo(to: string): Promise<MailboxEntry[]> {
    await Promise.all([a.baton.mailer.idle(), b.baton.mailer.idle()]);
    const all = (await (await fetch(`${a.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
    return all.filter((email) => email.to === to && email.subject.startsWith('New sign-in'));
  }

  it('emails once when one new browser signs in on both instances at once, over the socket and the plain post', async () => {
    const email = `${randomUUID()}@example.test`;
    await signUpAndRedeem(new BrowserSession(a.url), { email, password: PASSWORD });
    const onA = new BrowserSession(a.url);
    await onA.fetch('/login');
    // The same browser (one cookie jar, one binding) talking to both instances.
    const onB = cloneBrowser(onA, b.url);
    const fields = { email, password: PASSWORD };
    const handoffs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => handoffFor(i % 2 ? onA : onB, 'login', fields)),
    );

    const responses = await Promise.all([
      ...handoffs.map((handoff, i) => (i % 2 ? onB : onA).post('/handoff', { handoff })),
      ...Array.from({ length: 10 }, (_, i) => (i % 2 ? onA : onB).post('/login', fields)),
    ]);

    expect(responses.map((response) => response.headers.get('location'))).toEqual(
      Array(20).fill('/account'),
    );
    expect(await noticesTo(email)).toHaveLength(1);
  });

  it('knows on one instance the browser that signed up on the other', async () => {
    const email = `${randomUUID()}@example.test`;
    const browser = new BrowserSession(a.url);
    await signUpAndRedeem(browser, { email, password: PASSWORD });

    const response = await cloneBrowser(browser, b.url).post('/login', {
      email,
      password: PASSWORD,
    });

    expect(response.headers.get('location')).toBe('/account');
    expect(await noticesTo(email)).toEqual([]);
  });
});
