import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { sessionRef } from '../../../server/session/session-id.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { Store } from '../../../server/store/store.ts';
import { CloseCode } from '../../../shared/protocol.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, pageData } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The clock the server (and its store) decide time by; tests move it instead of sleeping. */
function testClock(start = Date.now()) {
  let at = start;
  return {
    now: () => at,
    advance(ms: number): void {
      at += ms;
    },
  };
}

/** Resolves once the server's heartbeat has pinged `socket` `count` more times. */
function heartbeats(socket: WebSocket, count: number): Promise<void> {
  return new Promise((resolve) => {
    let left = count;
    const onPing = () => {
      if (--left > 0) return;
      socket.off('ping', onPing);
      resolve();
    };
    socket.on('ping', onPing);
  });
}

async function signedIn(s: RunningServer, email: string) {
  const browser = new BrowserSession(s.url);
  expect((await browser.post('/signup', { email, password: 'a fine password' })).status).toBe(303);
  expect((await browser.fetch('/account')).status).toBe(200);
  return browser;
}

describe('session timeouts', () => {
  it('ends a session idle for longer than the idle timeout, and closes its socket', async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
    });
    const browser = await signedIn(server, 'idle@example.com');
    const live = await browser.openSocket();

    clock.advance(30 * 60_000);

    const response = await browser.fetch('/account');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(await live.waitFor((m) => m.type === 'session-ended', 3000)).toEqual({
      type: 'session-ended',
      reason: 'expired',
    });
    expect((await live.closed).code).toBe(4001);
    // Said once, as a neutral notice, and only why: not also "log in to see that page".
    const login = await (await browser.fetch('/login')).text();
    expect(pageData(login).flash).toEqual([
      { kind: 'notice', text: 'Your session timed out. Log in again to continue.' },
    ]);
    expect(pageData(await (await browser.fetch('/login')).text()).flash).toEqual([]);
  });

  it('closes the socket of a session whose idle timeout passes with no request at all', async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
      // The socket's own idle wall out of the way: this is the session's deadline.
      live: { heartbeatMs: 250, signedInIdleMs: 24 * 3_600_000 },
    });
    const browser = await signedIn(server, 'quiet@example.com');
    const live = await browser.openSocket();

    clock.advance(30 * 60_000);

    expect(await live.waitFor((m) => m.type === 'session-ended', 3000)).toEqual({
      type: 'session-ended',
      reason: 'expired',
    });
    expect(await live.closed).toEqual({ code: CloseCode.sessionEnded, reason: 'expired' });
  });

  it("keeps a socket open past its session's first deadline when another tab kept the session alive", async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
      live: { heartbeatMs: 250, signedInIdleMs: 24 * 3_600_000 },
    });
    const browser = await signedIn(server, 'two-tabs@example.com');
    const live = await browser.openSocket();
    clock.advance(20 * 60_000);
    expect((await browser.fetch('/account')).status).toBe(200);

    // Past the deadline the socket opened with, within the one the request renewed.
    clock.advance(15 * 60_000);
    await heartbeats(live.socket, 2);
    expect(
      await live.request({
        type: 'validate',
        form: 'login',
        fields: { email: 'a@b.co', password: 'x' },
      }),
    ).toMatchObject({ type: 'validated' });
    expect(live.messages.some((m) => m.type === 'session-ended')).toBe(false);

    clock.advance(15 * 60_000);
    expect(await live.closed).toEqual({ code: CloseCode.sessionEnded, reason: 'expired' });
  });

  it('keeps a session that is used within the idle timeout, however long it lives', async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      timeouts: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
    });
    const browser = await signedIn(server, 'busy@example.com');

    for (let step = 0; step < 5; step++) {
      clock.advance(29 * 60_000);
      expect((await browser.fetch('/account')).status).toBe(200);
    }
  });

  it('says nothing of an ended session after this browser signs out itself', async () => {
    server = await startServer();
    const browser = await signedIn(server, 'leaver@example.com');
    expect((await browser.post('/logout', {})).headers.get('location')).toBe('/login');
    const login = await (await browser.fetch('/login')).text();
    expect(login).toContain('Log in');
    expect(login).not.toContain('Your session has ended');
  });

  it('leaves a form post made with an ended session to its own outcome', async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      timeouts: { idleMs: 60 * 60_000, absoluteMs: 2 * 3_600_000 },
    });
    const browser = await signedIn(server, 'poster@example.com');
    clock.advance(2 * 3_600_000);
    const post = await browser.post('/login', {
      email: 'poster@example.com',
      password: 'a fine password',
    });
    expect(post.headers.get('location')).toBe('/account');
    const account = await (await browser.fetch('/account')).text();
    expect(account).toContain('poster@example.com');
    expect(account).toContain('Welcome back');
    expect(account).not.toContain('Your session has ended');
  });

  it('ends a session at the absolute timeout, though it was used all along', async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      timeouts: { idleMs: 60 * 60_000, absoluteMs: 2 * 3_600_000 },
    });
    const browser = await signedIn(server, 'absolute@example.com');
    clock.advance(59 * 60_000);
    expect((await browser.fetch('/account')).status).toBe(200);
    clock.advance(59 * 60_000);
    expect((await browser.fetch('/account')).status).toBe(200);

    clock.advance(2 * 60_000);

    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
    // And the stored session is gone, not merely ignored.
    expect((await browser.fetch('/')).headers.get('location')).toBe('/login');
  });
});

describe('noting activity on a session', () => {
  it('does not bring back a session signed out (elsewhere) while the request was under way', async () => {
    const clock = testClock();
    const inner = openSqliteStore({ file: ':memory:', now: clock.now });
    // Another instance signs the session out just after this request has read it.
    let signOutAfterRead: string | null = null;
    const store: Store = {
      ...inner,
      ping: () => inner.ping(),
      close: () => inner.close(),
      sessions: {
        ...inner.sessions,
        async get(key) {
          const data = await inner.sessions.get(key);
          if (key === signOutAfterRead) await inner.sessions.destroy(key);
          return data;
        },
      },
    };
    server = await startServer({ now: clock.now, store });
    try {
      const browser = await signedIn(server, 'raced@example.com');
      const ref = sessionRef(browser.cookies.get('baton.sid') ?? '');
      expect(await inner.sessions.get(ref)).not.toBeNull();

      // Past the once-a-minute mark, so this request writes the time it was seen.
      clock.advance(61_000);
      signOutAfterRead = ref;
      const response = await browser.fetch('/account');

      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/login');
      expect(await inner.sessions.get(ref)).toBeNull();
    } finally {
      await server.stop();
      server = undefined;
      await inner.close();
    }
  });
});

describe('sign-up rules only the server applies', () => {
  it('refuses one of the most common passwords', async () => {
    server = await startServer();
    const browser = new BrowserSession(server.url);
    const response = await browser.post('/signup', {
      email: 'common@example.com',
      password: 'Password123',
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain(
      'This password is among the most common ones. Choose another.',
    );
    await browser.fetch('/signup');
    const live = await browser.openSocket();
    expect(
      await live.request({
        type: 'validate',
        form: 'signup',
        fields: { email: 'a@b.co', password: 'iloveyou' },
      }),
    ).toEqual({
      type: 'validated',
      ref: 1,
      errors: { password: 'This password is among the most common ones. Choose another.' },
    });
    live.close();
  });
});

describe('the injected clock', () => {
  it('expires a handoff once the clock passes its time to live', async () => {
    // An hour behind the wall clock: sealing and redeeming must both read this clock.
    const clock = testClock(Date.now() - 3_600_000);
    server = await startServer({ now: clock.now, handoffTtlSeconds: 60 });
    const browser = new BrowserSession(server.url);
    const fields = { email: 'late@example.com', password: 'a fine password' };
    const handoff = await handoffFor(browser, 'signup', fields);

    clock.advance(60_000);

    const refused = await browser.post('/handoff', { handoff });
    expect(refused.headers.get('location')).toBe('/login');
    expect(await (await browser.fetch('/login')).text()).toContain(
      'That sign-in took too long and expired. Please log in again.',
    );
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
  });

  it('closes a signed-out live socket once the clock says it has been idle too long', async () => {
    const clock = testClock();
    server = await startServer({
      now: clock.now,
      live: { heartbeatMs: 20, idleMs: 10 * 60_000 },
    });
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const live = await browser.openSocket();

    clock.advance(10 * 60_000);

    expect((await live.closed).code).toBe(4002);
  });
});
