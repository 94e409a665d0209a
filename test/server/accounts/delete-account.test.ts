/**
 * The contract's `/account/delete`: behind a recent authentication (sudo), a danger-styled
 * "Delete account" button that deletes the account and everything kept for it, closes its
 * other sessions' sockets, kills handoffs sealed for it, lands on /login with "Your account
 * was deleted.", frees the address and emails a notice. Both paths: live socket and plain post.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { BOTH_PATHS, PASSWORD, refOf, signedUp, testClock } from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const MINUTE_MS = 60_000;
const SUDO_MS = 10 * MINUTE_MS;

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start() {
  const clock = testClock();
  const running = await startServer({ now: clock.now, sudoMs: SUDO_MS });
  server = running;
  return { clock, server: running };
}

/** A fresh address for each test: the mailbox is shared within a server. */
const someone = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

async function mailTo(running: RunningServer, to: string): Promise<MailboxEntry[]> {
  await running.baton.mailer.idle();
  const all = (await (await fetch(`${running.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter((email) => email.to === to);
}

describe('the delete-account page', () => {
  it('shows a danger-styled "Delete account" button to a recently signed-in person', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, someone('page'));

    const response = await browser.fetch('/account/delete');
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(html).toContain('<title>Delete your account · Baton</title>');
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/account\/delete"/);
    expect(html).toMatch(/<button class="button button-danger" type="submit"[^>]*>Delete account</);
    expect(html).toContain('It cannot be undone.');
  });

  it('sends a signed-out visitor to /login, and one whose sign-in is old to /confirm-password', async () => {
    const { clock, server } = await start();
    const stranger = await new BrowserSession(server.url).fetch('/account/delete');
    expect(stranger.headers.get('location')).toBe('/login');

    const browser = await signedUp(server.url, someone('stale'));
    clock.advance(SUDO_MS + 1);

    const asked = await browser.fetch('/account/delete');
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/confirm-password');
    const confirmed = await browser.post('/confirm-password', { password: PASSWORD });
    expect(confirmed.headers.get('location')).toBe('/account/delete');
    expect((await browser.fetch('/account/delete')).status).toBe(200);
  });

  it('is linked from the account page', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, someone('linked'));

    const html = await (await browser.fetch('/account')).text();

    expect(html).toContain('<a href="/account/delete">Delete account</a>');
  });
});

describe.each(BOTH_PATHS)('deleting an account over %s', (_path, submit) => {
  it('deletes it, signs this browser out and says so on /login', async () => {
    const { server } = await start();
    const email = someone('leaver');
    const browser = await signedUp(server.url, email);
    const account = await server.store.accounts.findByEmail(email);
    const ref = refOf(browser) ?? '';

    const response = await submit(browser, 'delete-account', {});

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(browser.cookies.has('baton.sid')).toBe(false);
    expect(await server.store.accounts.findById(account?.id ?? '')).toBeNull();
    expect(await server.store.accounts.findByEmail(email)).toBeNull();
    expect(await server.store.sessions.get(ref)).toBeNull();
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([{ kind: 'info', text: 'Your account was deleted.' }]);
  });

  it('lets the address sign up again, as a new account', async () => {
    const { server } = await start();
    const email = someone('returner');
    const browser = await signedUp(server.url, email);
    const before = await server.store.accounts.findByEmail(email);
    await submit(browser, 'delete-account', {});

    const again = await signedUp(server.url, email);

    expect((await again.fetch('/account')).status).toBe(200);
    const after = await server.store.accounts.findByEmail(email);
    expect(after?.id).not.toBe(before?.id);
  });

  it('emails a notice to the address, and removes what the mailbox kept for it before', async () => {
    const { server } = await start();
    const email = someone('notified');
    const browser = await signedUp(server.url, email);
    await server.store.mailbox.add({
      id: randomUUID(),
      to: email,
      subject: 'An earlier email',
      text: 'a link',
      html: '<p>a link</p>',
      sentAt: Date.now(),
    });

    await submit(browser, 'delete-account', {});

    const mail = await mailTo(server, email);
    expect(mail.map((kept) => kept.subject)).toEqual(['Your Baton account was deleted']);
    expect(mail[0]?.text).toContain(`The Baton account of ${email} was deleted on`);
    expect(mail[0]?.text).toContain(`Create an account:\n${server.origin}/signup`);
  });

  it("ends the account's other sessions: their sockets are told why and closed, their next page says it", async () => {
    const { server } = await start();
    const email = someone('elsewhere');
    const here = await signedUp(server.url, email);
    const there = new BrowserSession(server.url);
    await there.fetch('/login');
    await there.post('/login', { email, password: PASSWORD });
    const live = await there.openSocket();
    const stranger = await signedUp(server.url, someone('stranger'));
    const strangerLive = await stranger.openSocket();

    await submit(here, 'delete-account', {});

    expect(await live.waitFor((m) => m.type === 'session-ended')).toEqual({
      type: 'session-ended',
      reason: 'deleted',
    });
    expect((await live.closed).code).toBe(4001);
    const next = await there.fetch('/account');
    expect(next.headers.get('location')).toBe('/login');
    const login = pageData(await (await there.fetch('/login')).text());
    expect(login.flash).toEqual([{ kind: 'notice', text: 'Your account was deleted.' }]);
    expect(strangerLive.socket.readyState).toBe(strangerLive.socket.OPEN);
    strangerLive.close();
  });

  it('is refused without a recent authentication, deleting nothing', async () => {
    const { clock, server } = await start();
    const email = someone('hasty');
    const browser = await signedUp(server.url, email);
    clock.advance(SUDO_MS + 1);

    if (submit === BOTH_PATHS[0]?.[1]) {
      const reply = await submitOverSocket(browser, 'delete-account', {});
      expect(reply).toMatchObject({ type: 'refused', code: 'auth.recent-required' });
    } else {
      const response = await browser.post('/account/delete', {});
      expect(response.headers.get('location')).toBe('/confirm-password');
    }
    expect(await server.store.accounts.findByEmail(email)).not.toBeNull();
  });
});

describe('a handoff sealed for an account that is deleted before it is posted', () => {
  it('no longer redeems: no session is written, and /login says why', async () => {
    const { server } = await start();
    const email = someone('sealed');
    const owner = await signedUp(server.url, email);
    const other = new BrowserSession(server.url);
    await other.fetch('/login');
    const handoff = await handoffFor(other, 'login', { email, password: PASSWORD });

    await owner.post('/account/delete', {});
    const response = await other.post('/handoff', { handoff });

    expect(response.headers.get('location')).toBe('/login');
    expect(other.cookies.has('baton.sid')).toBe(false);
    const login = pageData(await (await other.fetch('/login')).text());
    expect(login.flash).toEqual([
      {
        kind: 'error',
        text: 'That sign-in was started before your password or account changed. Please log in again.',
      },
    ]);
  });
});
