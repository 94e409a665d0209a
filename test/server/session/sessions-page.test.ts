/**
 * The contract's `/account/sessions`: every live session of the account with its device, IP
 * and times, this one marked; "Sign out" by handle and "Sign out all other sessions" behind
 * sudo, closing the ended sessions' sockets; no session id or ref on the page; the list kept
 * live over the page's socket; and a handoff sealed in a session ended here no longer
 * redeems. The clock is injected and moved.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionView } from '../../../shared/protocol.ts';
import { BrowserSession, type LiveClient } from '../../helpers/browser-session.ts';
import { handoffFor, pageData } from '../../helpers/live-forms.ts';
import { PASSWORD, refOf, signedUp, testClock } from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const MINUTE_MS = 60_000;
const SUDO_MS = 10 * MINUTE_MS;
const FIREFOX =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0';

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

/** A browser that says it is Firefox on macOS. */
class Firefox extends BrowserSession {
  override fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', FIREFOX);
    return super.fetch(path, { ...init, headers });
  }
}

/** Logs `email` in from a new browser (Firefox on macOS) over the plain post. */
async function loggedIn(url: string, email: string): Promise<BrowserSession> {
  const browser = new Firefox(url);
  await browser.fetch('/login');
  const response = await browser.post('/login', { email, password: PASSWORD });
  expect(response.headers.get('location')).toBe('/account');
  return browser;
}

async function sessionsOf(browser: BrowserSession): Promise<SessionView[]> {
  const data = pageData(await (await browser.fetch('/account/sessions')).text());
  if (data.page !== 'sessions') throw new Error(`expected the sessions page, got ${data.page}`);
  return data.sessions;
}

const someone = () => `sessions-${randomUUID().slice(0, 8)}@example.com`;

describe('the sessions page', () => {
  it('lists every session of the account, this one first and marked, with device, IP and times', async () => {
    const { clock, server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const signedUpAt = clock.now();
    clock.advance(5 * MINUTE_MS);
    await loggedIn(server.url, email);
    await signedUp(server.url, someone());

    const sessions = await sessionsOf(here);

    expect(sessions).toEqual([
      {
        handle: expect.any(String),
        device: 'An unknown browser',
        ip: '127.0.0.1',
        signedInAt: signedUpAt,
        // Loading this page was activity, five minutes on: noted.
        lastActiveAt: clock.now(),
        current: true,
      },
      {
        handle: expect.any(String),
        device: 'Firefox on macOS',
        ip: '127.0.0.1',
        signedInAt: clock.now(),
        lastActiveAt: clock.now(),
        current: false,
      },
    ]);
    const html = await (await here.fetch('/account/sessions')).text();
    expect(html).toContain('This device');
    expect(html).toContain('>Sign out</button>');
    expect(html).toContain('>Sign out all other sessions</button>');
  });

  it('never shows a session id or ref, and sends a signed-out visitor to /login', async () => {
    const { server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const there = await loggedIn(server.url, email);

    const html = await (await here.fetch('/account/sessions')).text();

    for (const browser of [here, there]) {
      expect(html).not.toContain(browser.cookies.get('baton.sid'));
      expect(html).not.toContain(refOf(browser));
    }
    const stranger = await new BrowserSession(server.url).fetch('/account/sessions');
    expect(stranger.headers.get('location')).toBe('/login');
  });

  it('shows when a session was last active, as its once-a-minute note of activity moves', async () => {
    const { clock, server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const there = await loggedIn(server.url, email);
    clock.advance(7 * MINUTE_MS);
    await there.fetch('/account');

    const other = (await sessionsOf(here)).find((session) => !session.current);

    expect(other?.lastActiveAt).toBe(clock.now());
  });

  it('is linked from the account page as "Sessions"', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, someone());

    const html = await (await browser.fetch('/account')).text();

    expect(html).toContain('<a href="/account/sessions">Sessions</a>');
  });
});

describe('"Sign out" on the sessions page', () => {
  it('ends that session by its handle: its socket is told and closed, its next page says why', async () => {
    const { server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const there = await loggedIn(server.url, email);
    const socket = await there.openSocket();
    const other = (await sessionsOf(here)).find((session) => !session.current);

    const response = await here.post('/account/sessions/sign-out', { handle: other?.handle ?? '' });

    expect(response.headers.get('location')).toBe('/account/sessions');
    expect(await socket.waitFor((m) => m.type === 'session-ended')).toEqual({
      type: 'session-ended',
      reason: 'signed-out',
    });
    expect((await socket.closed).code).toBe(4001);
    expect((await there.fetch('/account')).headers.get('location')).toBe('/login');
    const login = pageData(await (await there.fetch('/login')).text());
    expect(login.flash).toEqual([
      { kind: 'notice', text: 'You were signed out on another device. Log in again to continue.' },
    ]);
    const page = pageData(await (await here.fetch('/account/sessions')).text());
    expect(page.flash).toEqual([{ kind: 'info', text: 'That session is signed out.' }]);
    expect(page.page === 'sessions' && page.sessions.map((session) => session.current)).toEqual([
      true,
    ]);
  });

  it("ends nothing for another account's handle, an unknown one, or this session's own", async () => {
    const { server } = await start();
    const mine = await signedUp(server.url, someone());
    const theirEmail = someone();
    const theirs = await signedUp(server.url, theirEmail);
    const [their] = await sessionsOf(theirs);
    const [own] = await sessionsOf(mine);

    for (const handle of [their?.handle ?? '', randomUUID(), own?.handle ?? '']) {
      const response = await mine.post('/account/sessions/sign-out', { handle });
      expect(response.headers.get('location')).toBe('/account/sessions');
    }

    const page = pageData(await (await mine.fetch('/account/sessions')).text());
    expect(page.flash).toEqual([{ kind: 'notice', text: 'That session had already ended.' }]);
    expect((await theirs.fetch('/account')).status).toBe(200);
    expect((await mine.fetch('/account')).status).toBe(200);
  });

  it('asks for the password first once sudo has lapsed, and comes back here', async () => {
    const { clock, server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    await loggedIn(server.url, email);
    const other = (await sessionsOf(here)).find((session) => !session.current);
    clock.advance(SUDO_MS + 1);

    const response = await here.post('/account/sessions/sign-out', { handle: other?.handle ?? '' });

    expect(response.headers.get('location')).toBe('/confirm-password');
    expect(await sessionsOf(here)).toHaveLength(2);
    const confirmed = await here.post('/confirm-password', { password: PASSWORD });
    expect(confirmed.headers.get('location')).toBe('/account/sessions');
  });
});

describe('"Sign out all other sessions"', () => {
  it("ends every other session of the account, and no one else's", async () => {
    const { server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const others = [await loggedIn(server.url, email), await loggedIn(server.url, email)];
    const sockets = await Promise.all(others.map((browser) => browser.openSocket()));
    const stranger = await signedUp(server.url, someone());

    const response = await here.post('/account/sessions/sign-out-others', {});

    expect(response.headers.get('location')).toBe('/account/sessions');
    for (const socket of sockets) expect((await socket.closed).code).toBe(4001);
    for (const browser of others)
      expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    expect((await here.fetch('/account')).status).toBe(200);
    expect((await stranger.fetch('/account')).status).toBe(200);
    expect(await sessionsOf(here)).toHaveLength(1);
  });
});

describe('a handoff sealed in a session that is signed out from the sessions page', () => {
  it('no longer redeems, and brings no session back', async () => {
    const { server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const there = await loggedIn(server.url, email);
    // A sign-in sealed on that session's own (signed-in) socket, e.g. a stale log-in tab.
    const handoff = await handoffFor(there, 'login', { email, password: PASSWORD });
    const other = (await sessionsOf(here)).find((session) => !session.current);

    await here.post('/account/sessions/sign-out', { handle: other?.handle ?? '' });
    const redeemed = await there.post('/handoff', { handoff });

    expect(redeemed.headers.get('location')).toBe('/login');
    expect((await there.fetch('/account')).headers.get('location')).toBe('/login');
    expect(await sessionsOf(here)).toHaveLength(1);
  });
});

describe('the live list', () => {
  async function watching(
    browser: BrowserSession,
  ): Promise<{ socket: LiveClient; first: SessionView[] }> {
    await browser.fetch('/account/sessions');
    const socket = await browser.openSocket();
    const reply = await socket.request({ type: 'watch-sessions' });
    if (reply.type !== 'sessions') throw new Error(`expected sessions, got ${reply.type}`);
    return { socket, first: reply.sessions };
  }

  /** The next pushed list (ref null) after the `seen` pushes already received. */
  function nextPush(socket: LiveClient, seen: number): Promise<SessionView[]> {
    let count = 0;
    return socket
      .waitFor((m) => m.type === 'sessions' && m.ref === null && ++count > seen)
      .then((m) => (m.type === 'sessions' ? m.sessions : []));
  }

  it('answers watch-sessions with the list, then pushes it when a session starts or ends', async () => {
    const { server } = await start();
    const email = someone();
    const here = await signedUp(server.url, email);
    const { socket, first } = await watching(here);
    expect(first.map((session) => session.current)).toEqual([true]);

    const started = nextPush(socket, 0);
    const there = await loggedIn(server.url, email);
    expect((await started).map((session) => session.device)).toEqual([
      'An unknown browser',
      'Firefox on macOS',
    ]);

    const ended = nextPush(socket, 1);
    await there.post('/logout', {});
    expect((await ended).map((session) => session.current)).toEqual([true]);
    socket.close();
  });

  it('refuses watch-sessions on a signed-out socket', async () => {
    const { server } = await start();
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const socket = await browser.openSocket();

    expect(await socket.request({ type: 'watch-sessions' })).toMatchObject({
      type: 'error',
      code: 'auth.required',
    });
    socket.close();
  });
});
