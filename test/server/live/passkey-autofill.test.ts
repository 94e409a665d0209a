/**
 * The log-in page's passkey autofill (client/passkeys/autofill.ts) against a real server:
 * the page's own live socket client (client/live/socket.ts) over a real connection, carrying
 * the browser's cookies and Origin, and a software authenticator in place of the browser's
 * WebAuthn. A passkey picked from the autofill signs in exactly as the button's does, and a
 * reconnect moves the request to a challenge of the new connection.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  createLiveSocket,
  type LiveSocket,
  type LiveSocketOptions,
} from '../../../client/live/socket.ts';
import { createAutofill, type PasskeyBrowser } from '../../../client/passkeys/autofill.ts';
import type { ClientMessage } from '../../../shared/protocol.ts';
import type { BrowserSession } from '../../helpers/browser-session.ts';
import { storedSession } from '../../helpers/outcomes.ts';
import { addPasskey, handoffOf, startPasskeyServer } from '../../helpers/passkeys.ts';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.ts';
import type { RunningServer } from '../../helpers/start-server.ts';

let server: RunningServer | undefined;
const sockets: LiveSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.stop();
  server = undefined;
});

/** The page's live socket, as `browser`'s page opens it; every connection it makes is kept. */
function pageSocket(browser: BrowserSession) {
  const connections: Array<{ ws: WebSocket; sent: ClientMessage[] }> = [];
  class PageWebSocket extends WebSocket {
    readonly frames: ClientMessage[] = [];
    constructor(url: string) {
      super(url, { headers: { cookie: browser.cookieHeader(), origin: browser.origin } });
      connections.push({ ws: this, sent: this.frames });
    }
    override send(data: string): void {
      this.frames.push(JSON.parse(data) as ClientMessage);
      super.send(data);
    }
  }
  const socket = createLiveSocket({
    url: `${browser.base.replace(/^http/, 'ws')}/live`,
    WebSocket: PageWebSocket as unknown as LiveSocketOptions['WebSocket'],
    minDelayMs: 1,
    maxDelayMs: 1,
  });
  sockets.push(socket);
  return { socket, connections };
}

/** Resolves once `socket` is open. */
const opened = (socket: LiveSocket) =>
  vi.waitFor(() => expect(socket.state()).toBe('open'), { timeout: 5_000, interval: 5 });

/** WebAuthn answered by `authenticator`; each request waits until the test lets it answer. */
function softBrowser(authenticator: SoftAuthenticator, origin: string) {
  const requests: Array<{ challenge: string; answer(): void }> = [];
  let cancel: (() => void) | undefined;
  let cancels = 0;
  const browser: PasskeyBrowser = {
    conditionalGet(options) {
      const asked = options as unknown as PublicKeyCredentialRequestOptionsJSON;
      return new Promise((resolve, reject) => {
        cancel = () => reject(new DOMException('Cancelled', 'AbortError'));
        requests.push({
          challenge: asked.challenge,
          answer: () => resolve(authenticator.authenticate(asked, { origin })),
        });
      });
    },
    cancel() {
      cancels += 1;
      cancel?.();
    },
  };
  return {
    browser,
    requests,
    get cancels() {
      return cancels;
    },
  };
}

describe('the passkey autofill against the server', () => {
  it('signs in with the passkey picked there as the button does, and its handoff redeems', async () => {
    const started = await startPasskeyServer();
    server = started.server;
    const { origin, signedUp, visitor } = started;
    const authenticator = new SoftAuthenticator();
    const owner = await signedUp('autofill@example.com');
    handoffOf(await addPasskey(owner, authenticator, origin));
    const browser = await visitor();
    const { socket, connections } = pageSocket(browser);
    const soft = softBrowser(authenticator, origin);
    const handoffs: string[] = [];
    const errors: string[] = [];
    const autofill = createAutofill(socket, (handoff) => handoffs.push(handoff), {
      browser: soft.browser,
      page: { remember: () => true, showError: (message) => errors.push(message) },
    });
    await opened(socket);

    autofill.start();
    await vi.waitFor(() => expect(soft.requests).toHaveLength(1));
    soft.requests[0]?.answer();
    await vi.waitFor(() => expect(handoffs).toHaveLength(1));

    expect(connections.map((connection) => connection.sent)).toEqual([
      [
        { type: 'passkey-options', purpose: 'sign-in', ref: 1 },
        { type: 'passkey-sign-in', ref: 2, response: expect.any(Object), remember: true },
      ],
    ]);
    const redeemed = await browser.post('/handoff', { handoff: handoffs[0] ?? '' });
    expect(redeemed.headers.get('location')).toBe('/account');
    const account = await started.server.store.accounts.findByEmail('autofill@example.com');
    expect(await storedSession(started.server.store, browser)).toMatchObject({
      accountId: account?.id,
      remember: true,
    });
    expect(await (await browser.fetch('/account')).text()).toContain(
      'Welcome back! You are signed in.',
    );
    expect(errors).toEqual([]);
  });

  it('moves to a challenge of the new connection after a reconnect, which signs in', async () => {
    const started = await startPasskeyServer();
    server = started.server;
    const { origin, signedUp, visitor } = started;
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('reconnect@example.com'), authenticator, origin));
    const browser = await visitor();
    const { socket, connections } = pageSocket(browser);
    const soft = softBrowser(authenticator, origin);
    const handoffs: string[] = [];
    const errors: string[] = [];
    const autofill = createAutofill(socket, (handoff) => handoffs.push(handoff), {
      browser: soft.browser,
      page: { remember: () => false, showError: (message) => errors.push(message) },
    });
    await opened(socket);
    autofill.start();
    await vi.waitFor(() => expect(soft.requests).toHaveLength(1));

    connections[0]?.ws.terminate();
    await vi.waitFor(() => expect(connections).toHaveLength(2));
    await opened(socket);
    // What the log-in page does each time its socket opens (client/forms/PasskeySignIn.tsx).
    autofill.start();
    await vi.waitFor(() => expect(soft.requests).toHaveLength(2));
    soft.requests[1]?.answer();
    await vi.waitFor(() => expect(handoffs).toHaveLength(1));

    expect(soft.cancels).toBe(1);
    expect(soft.requests[1]?.challenge).not.toBe(soft.requests[0]?.challenge);
    expect(connections.map((connection) => connection.sent.map((frame) => frame.type))).toEqual([
      ['passkey-options'],
      ['passkey-options', 'passkey-sign-in'],
    ]);
    const redeemed = await browser.post('/handoff', { handoff: handoffs[0] ?? '' });
    expect(redeemed.headers.get('location')).toBe('/account');
    expect(errors).toEqual([]);
  });
});
