/**
 * A session replaced by a sign-in (a redeem or a plain post over an existing session, a
 * password change) ends like any other: its live sockets are told and closed, so none of
 * them can submit a form under the old session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../shared/protocol.ts';
import { BrowserSession, type LiveClient } from '../../helpers/browser-session.ts';
import { handoffFor } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const PASSWORD = 'the old password 1';
const NEW = 'a brand new password 2';
const ENDED = { type: 'session-ended', reason: 'revoked' } satisfies ServerMessage;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

let people = 0;
/** A browser signed up over the plain post, with `tabs` live sockets open on its session. */
async function signedInWithTabs(tabs = 1) {
  people += 1;
  const email = `replaced-${people}@example.com`;
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  const response = await browser.post('/signup', { email, password: PASSWORD });
  expect(response.headers.get('location')).toBe('/account');
  const sockets = await Promise.all(Array.from({ length: tabs }, () => browser.openSocket()));
  return { browser, email, sockets };
}

/** Waits until `socket` was told its session ended and was closed with 4001. */
async function endedAndClosed(socket: LiveClient) {
  const message = await socket.waitFor((m) => m.type === 'session-ended', 2_000);
  return { message, closed: await socket.closed };
}

describe('a session replaced by a sign-in', () => {
  it('closes the old session’s socket when a handoff signs the browser in again', async () => {
    const { browser, email, sockets } = await signedInWithTabs();
    const handoff = await handoffFor(browser, 'login', { email, password: PASSWORD });

    const redeemed = await browser.post('/handoff', { handoff });
    expect(redeemed.headers.get('location')).toBe('/account');

    expect(await endedAndClosed(sockets[0] as LiveClient)).toEqual({
      message: ENDED,
      closed: { code: 4001, reason: 'revoked' },
    });
  });

  it('closes the old session’s socket when the password is changed over the socket and redeemed', async () => {
    const { browser, sockets } = await signedInWithTabs();
    const handoff = await handoffFor(browser, 'change-password', {
      password: PASSWORD,
      newPassword: NEW,
    });

    expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/account');

    expect((await endedAndClosed(sockets[0] as LiveClient)).closed.code).toBe(4001);
    // The browser itself stays signed in, under its new session.
    expect((await browser.fetch('/account')).status).toBe(200);
  });

  it('closes the old session’s socket on a plain password change and a plain log in over it', async () => {
    const changer = await signedInWithTabs();
    await changer.browser.post('/change-password', { password: PASSWORD, newPassword: NEW });
    expect((await endedAndClosed(changer.sockets[0] as LiveClient)).message).toEqual(ENDED);

    const again = await signedInWithTabs();
    await again.browser.post('/login', { email: again.email, password: PASSWORD });
    expect((await endedAndClosed(again.sockets[0] as LiveClient)).message).toEqual(ENDED);
  });

  it('closes all 8 tabs of the old session while 8 copies of one handoff race, redeeming once', async () => {
    const { browser, email, sockets } = await signedInWithTabs(8);
    const handoff = await handoffFor(browser, 'login', { email, password: PASSWORD });

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await browser.post('/handoff', { handoff });
        await response.arrayBuffer();
        return response.headers.get('location');
      }),
    );

    expect(outcomes.filter((location) => location === '/account')).toHaveLength(1);
    expect(outcomes.filter((location) => location === '/login')).toHaveLength(7);
    const ends = await Promise.all(sockets.map(endedAndClosed));
    expect(ends.map((end) => end.closed.code)).toEqual(Array(8).fill(4001));
  });

  it('leaves the session’s socket open and working when a redeem is refused', async () => {
    const { browser, sockets } = await signedInWithTabs();
    const socket = sockets[0] as LiveClient;

    const refused = await browser.post('/handoff', { handoff: 'not-a-handoff' });
    expect(refused.headers.get('location')).toBe('/login');

    const reply = await socket.request({
      type: 'validate',
      form: 'login',
      fields: { email: 'someone@example.com' },
    });
    expect(reply.type).toBe('validated');
    expect(socket.messages.some((m) => m.type === 'session-ended')).toBe(false);
    socket.close();
  });
});
