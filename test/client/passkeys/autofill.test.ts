/** @vitest-environment happy-dom */
import { createRoot } from 'solid-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveSocket, type LiveSocket } from '../../../client/live/socket.ts';
import {
  type Autofill,
  createAutofill,
  type PasskeyBrowser,
} from '../../../client/passkeys/autofill.ts';
import type { ClientMessage } from '../../../shared/protocol.ts';
import { createFakeSocket, type FakeSocket, FakeWebSocket, flush } from '../fakes.ts';

/** The server's challenge lasts this long; the options say so in `timeout`. */
const TTL_MS = 120_000;
const options = (challenge: string) => ({
  challenge,
  timeout: TTL_MS,
  rpId: 'localhost',
  allowCredentials: [],
  userVerification: 'preferred',
});
const PICKED = { id: 'credential-1', type: 'public-key' };

/** A browser whose autofill requests the test settles: each `get()` waits in `requests`. */
function fakeBrowser() {
  const requests: Array<{
    options: Record<string, unknown>;
    pick(answer: object): void;
    fail(error: unknown): void;
  }> = [];
  let cancels = 0;
  let pending: ((error: unknown) => void) | undefined;
  const browser: PasskeyBrowser = {
    conditionalGet(asked) {
      return new Promise((resolve, reject) => {
        pending = reject;
        requests.push({ options: asked, pick: resolve, fail: reject });
      });
    },
    cancel() {
      cancels += 1;
      pending?.(new DOMException('Cancelled', 'AbortError'));
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

interface Setup {
  autofill: Autofill;
  browser: ReturnType<typeof fakeBrowser>;
  accepted: string[];
  errors: string[];
  remember: { ticked: boolean };
}

function setUp(socket: LiveSocket): Setup {
  const browser = fakeBrowser();
  const accepted: string[] = [];
  const errors: string[] = [];
  const remember = { ticked: false };
  const autofill = createAutofill(socket, (handoff) => accepted.push(handoff), {
    browser: browser.browser,
    page: { remember: () => remember.ticked, showError: (message) => errors.push(message) },
  });
  return { autofill, browser, accepted, errors, remember };
}

const types = (sent: readonly unknown[]) => sent.map((frame) => (frame as ClientMessage).type);

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createAutofill', () => {
  let socket: FakeSocket;
  beforeEach(() => {
    socket = createFakeSocket('open');
  });

  it('asks for sign-in options, waits in the autofill, and signs in with the passkey picked there', async () => {
    const { autofill, browser, accepted, errors, remember } = setUp(socket);

    autofill.start();
    expect(socket.sent).toEqual([{ type: 'passkey-options', purpose: 'sign-in', ref: 1 }]);
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });
    expect(browser.requests.map((request) => request.options)).toEqual([options('c1')]);

    // "Remember me" ticked while the autofill waited: read when the passkey is picked.
    remember.ticked = true;
    browser.requests[0]?.pick(PICKED);
    await flush();
    expect(socket.sent[1]).toEqual({
      type: 'passkey-sign-in',
      ref: 2,
      response: PICKED,
      remember: true,
    });
    await socket.reply({ type: 'accepted', ref: 2, handoff: 'sealed-handoff' });

    expect(accepted).toEqual(['sealed-handoff']);
    expect(errors).toEqual([]);
  });

  it('asks again once the challenge has expired unused, and not before', async () => {
    const { autofill, browser, errors } = setUp(socket);
    autofill.start();
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });

    vi.advanceTimersByTime(TTL_MS - 1);
    expect(types(socket.sent)).toEqual(['passkey-options']);
    expect(browser.cancels).toBe(0);

    vi.advanceTimersByTime(1);
    await flush();
    expect(browser.cancels).toBe(1);
    expect(socket.sent).toEqual([
      { type: 'passkey-options', purpose: 'sign-in', ref: 1 },
      { type: 'passkey-options', purpose: 'sign-in', ref: 2 },
    ]);
    await socket.reply({ type: 'passkey-options', ref: 2, options: options('c2') });
    expect(browser.requests.map((request) => request.options.challenge)).toEqual(['c1', 'c2']);
    expect(errors).toEqual([]);
  });

  it('says nothing when the browser ends the request itself, and asks again only at the expiry', async () => {
    const { autofill, browser, errors } = setUp(socket);
    autofill.start();
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });

    browser.requests[0]?.fail(new DOMException('Timed out', 'NotAllowedError'));
    await flush();
    expect(errors).toEqual([]);
    expect(types(socket.sent)).toEqual(['passkey-options']);

    vi.advanceTimersByTime(TTL_MS);
    expect(types(socket.sent)).toEqual(['passkey-options', 'passkey-options']);
  });

  it('says nothing when the options are refused, and does not ask again by itself', async () => {
    const { autofill, browser, errors } = setUp(socket);
    autofill.start();

    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'passkey.unavailable',
      message: 'Passkeys are not available on this address.',
      errors: {},
    });
    vi.advanceTimersByTime(10 * TTL_MS);

    expect(browser.requests).toEqual([]);
    expect(types(socket.sent)).toEqual(['passkey-options']);
    expect(errors).toEqual([]);
  });

  it('shows why a passkey picked there was refused, and offers the passkeys again at the expiry', async () => {
    const { autofill, browser, accepted, errors } = setUp(socket);
    autofill.start();
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });
    browser.requests[0]?.pick(PICKED);
    await flush();

    await socket.reply({
      type: 'refused',
      ref: 2,
      code: 'passkey.unknown',
      message: 'That passkey is not registered with any account.',
      errors: {},
    });

    expect(errors).toEqual(['That passkey is not registered with any account.']);
    expect(accepted).toEqual([]);
    // Not at once: an authenticator that answers by itself would be refused again and again.
    expect(types(socket.sent)).toEqual(['passkey-options', 'passkey-sign-in']);
    vi.advanceTimersByTime(TTL_MS);
    expect(socket.sent[2]).toEqual({ type: 'passkey-options', purpose: 'sign-in', ref: 3 });
  });

  it('starts nothing more once signed in: the page is leaving', async () => {
    const { autofill, browser, accepted } = setUp(socket);
    autofill.start();
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });
    browser.requests[0]?.pick(PICKED);
    await flush();
    await socket.reply({ type: 'accepted', ref: 2, handoff: 'sealed-handoff' });

    autofill.start();
    vi.advanceTimersByTime(TTL_MS);

    expect(accepted).toEqual(['sealed-handoff']);
    expect(types(socket.sent)).toEqual(['passkey-options', 'passkey-sign-in']);
  });

  it('gives way to the button: cancelled without a word, and started again only once resumed', async () => {
    const { autofill, browser, errors } = setUp(socket);
    autofill.start();
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });

    await autofill.pause();
    await flush();
    expect(browser.cancels).toBe(1);
    // A reconnect or the expiry while the button's request runs starts nothing.
    autofill.start();
    vi.advanceTimersByTime(TTL_MS);
    expect(types(socket.sent)).toEqual(['passkey-options']);

    autofill.resume();
    expect(types(socket.sent)).toEqual(['passkey-options', 'passkey-options']);
    expect(errors).toEqual([]);
  });

  it('leaves a refusal to the button once it took over after the pick', async () => {
    const { autofill, browser, errors } = setUp(socket);
    autofill.start();
    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });
    browser.requests[0]?.pick(PICKED);
    await flush();

    await autofill.pause();
    await socket.reply({
      type: 'refused',
      ref: 2,
      code: 'passkey.challenge-missing',
      message: 'That request has expired. Please try again.',
      errors: {},
    });

    expect(errors).toEqual([]);
    expect(types(socket.sent)).toEqual(['passkey-options', 'passkey-sign-in']);
  });

  it('pauses once the options still on their way are answered, and starts no request with them', async () => {
    const { autofill, browser } = setUp(socket);
    autofill.start();
    let paused = false;
    void autofill.pause().then(() => {
      paused = true;
    });
    await flush();
    expect(paused).toBe(false);

    await socket.reply({ type: 'passkey-options', ref: 1, options: options('c1') });

    expect(paused).toBe(true);
    expect(browser.requests).toEqual([]);
  });

  it('starts nothing while the socket is not open', () => {
    socket.setState('connecting');
    const { autofill } = setUp(socket);

    autofill.start();

    expect(socket.sent).toEqual([]);
  });
});

describe('createAutofill on a socket that reconnects', () => {
  it('cancels the request of the old connection quietly and asks the new one for a challenge', async () => {
    const socket = createRoot(() =>
      createLiveSocket({ url: 'ws://test/live', WebSocket: FakeWebSocket, random: () => 1 }),
    );
    const { autofill, browser, errors } = setUp(socket);
    const first = FakeWebSocket.last;
    first.open();
    autofill.start();
    first.receive({ type: 'passkey-options', ref: 1, options: options('old') });
    await flush();
    expect(browser.requests.map((request) => request.options.challenge)).toEqual(['old']);

    first.drop();
    await vi.advanceTimersByTimeAsync(1_000);
    const second = FakeWebSocket.last;
    expect(second).not.toBe(first);
    second.open();
    // What the log-in page does each time its socket opens (client/forms/PasskeySignIn.tsx).
    autofill.start();
    await flush();

    expect(browser.cancels).toBe(1);
    expect(errors).toEqual([]);
    expect(types(first.sent)).toEqual(['passkey-options']);
    expect(second.sent).toEqual([{ type: 'passkey-options', purpose: 'sign-in', ref: 2 }]);
    second.receive({ type: 'passkey-options', ref: 2, options: options('new') });
    await flush();
    expect(browser.requests.map((request) => request.options.challenge)).toEqual(['old', 'new']);
    socket.close();
  });
});
