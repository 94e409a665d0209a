import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import type { SessionStore, Store } from '../../../server/store/store.ts';
import { CloseCode } from '../../../shared/protocol.ts';
import { BrowserSession, LiveClient } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

/**
 * A real store whose next session read, once armed, reads the data at once and then waits
 * for the test to let it answer: the read the door is awaiting is held open while the test
 * does something else.
 */
function holdableStore(file: string) {
  const real = openSqliteStore({ file });
  let held: { reached: () => void; released: Promise<void> } | null = null;
  const sessions = new Proxy(real.sessions, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (key !== 'get') return typeof value === 'function' ? value.bind(target) : value;
      return async (ref: string) => {
        const data = await target.get(ref);
        const hold = held;
        held = null;
        if (hold) {
          hold.reached();
          await hold.released;
        }
        return data;
      };
    },
  }) as SessionStore;
  const store: Store = {
    kind: real.kind,
    accounts: real.accounts,
    sessions,
    handoffs: real.handoffs,
    twoFactor: real.twoFactor,
    passkeys: real.passkeys,
    challenges: real.challenges,
    tokens: real.tokens,
    mailbox: real.mailbox,
    devices: real.devices,
    ping: () => real.ping(),
    close: () => real.close(),
  };
  return {
    store,
    /** Holds the next session read; resolves `reached` once it is waiting. */
    arm() {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reached = new Promise<void>((resolve) => {
        held = { reached: resolve, released };
      });
      return { reached, release };
    },
  };
}

let dir: string;
let holdable: ReturnType<typeof holdableStore>;
let server: RunningServer;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-door-race-'));
  holdable = holdableStore(path.join(dir, 'baton.db'));
  server = await startServer({ store: holdable.store });
});
afterAll(async () => {
  await server.stop();
  await holdable.store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the live socket door and a sign-out during the upgrade', () => {
  it('closes a socket whose session was signed out while the door read it', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await browser.post('/signup', { email: 'race-door@example.com', password: 'a fine password' });
    const cookie = browser.cookieHeader();

    const hold = holdable.arm();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/live`, {
      headers: { cookie, origin: server.origin },
    });
    const live = new LiveClient(socket);
    await hold.reached;
    // The door now holds the session as it was; the sign-out lands before it answers.
    const signOut = await browser.post('/logout', {});
    expect(signOut.status).toBe(303);
    hold.release();
    await new Promise((resolve) => socket.once('open', resolve));

    const first = await Promise.race([
      live.closed,
      live
        .request({ type: 'validate', form: 'login', fields: { email: 'a@b.co', password: 'x' } })
        .then(() => 'answered as if still signed in'),
    ]);
    expect(first).toEqual({ code: CloseCode.sessionEnded, reason: 'signed-out' });
    expect(live.messages).toEqual([{ type: 'session-ended', reason: 'signed-out' }]);
  });

  it('keeps a socket whose session was not signed out while the door read it', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await browser.post('/signup', { email: 'no-race@example.com', password: 'a fine password' });
    const other = new BrowserSession(server.url);
    await other.fetch('/signup');
    await other.post('/signup', { email: 'other-out@example.com', password: 'a fine password' });

    const hold = holdable.arm();
    const opening = browser.openSocket();
    await hold.reached;
    // Another session's sign-out meanwhile does not touch this one.
    expect((await other.post('/logout', {})).status).toBe(303);
    hold.release();
    const live = await opening;
    const reply = await live.request({
      type: 'validate',
      form: 'login',
      fields: { email: 'a@b.co', password: 'x' },
    });
    expect(reply.type).toBe('validated');
    live.close();
  });
});
