/**
 * @vitest-environment happy-dom
 *
 * The log-in page's passkey chunk (client/passkeys/sign-in.ts) with @simplewebauthn/browser
 * as it runs in a page, over a stand-in for `navigator.credentials` that keeps each request
 * pending until the test settles it and rejects it when its signal aborts, as browsers do.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PASSKEY_ERROR_ID } from '../../../client/passkeys/sign-in.ts';
import { createFakeSocket, type FakeSocket, flush } from '../fakes.ts';

const OPTIONS = {
  challenge: 'Y2hhbGxlbmdl',
  timeout: 120_000,
  rpId: 'localhost',
  allowCredentials: [],
  userVerification: 'preferred',
};

/** What `navigator.credentials.get()` resolves with once a passkey is used. */
const credential = {
  id: 'AQID',
  rawId: new Uint8Array([1, 2, 3]).buffer,
  type: 'public-key',
  response: {
    authenticatorData: new Uint8Array([4]).buffer,
    clientDataJSON: new Uint8Array([5]).buffer,
    signature: new Uint8Array([6]).buffer,
    userHandle: new Uint8Array([7]).buffer,
  },
  getClientExtensionResults: () => ({}),
  authenticatorAttachment: 'platform',
};
/** The same answer as @simplewebauthn/browser sends it on. */
const ANSWER = {
  id: 'AQID',
  rawId: 'AQID',
  type: 'public-key',
  response: { authenticatorData: 'BA', clientDataJSON: 'BQ', signature: 'Bg', userHandle: 'Bw' },
  clientExtensionResults: {},
  authenticatorAttachment: 'platform',
};

interface Request {
  mediation: string | undefined;
  signal: AbortSignal;
  use(): void;
}

let requests: Request[];
let socket: FakeSocket;
let accepted: string[];

beforeEach(() => {
  requests = [];
  accepted = [];
  socket = createFakeSocket('open');
  vi.stubGlobal(
    'PublicKeyCredential',
    Object.assign(() => {}, { isConditionalMediationAvailable: async () => true }),
  );
  Object.defineProperty(navigator, 'credentials', {
    configurable: true,
    value: {
      get: (options: { mediation?: string; signal: AbortSignal }) =>
        new Promise((resolve, reject) => {
          options.signal.addEventListener('abort', () => reject(options.signal.reason));
          requests.push({
            mediation: options.mediation,
            signal: options.signal,
            use: () => resolve(credential),
          });
        }),
    },
  });
  document.body.innerHTML = `
    <form><input name="email" type="email" autocomplete="username webauthn">
      <input name="remember" type="checkbox" value="on"></form>
    <p class="passkey-sign-in"><button type="button">Sign in with a passkey</button></p>`;
  // The chunk keeps the page's autofill in a module variable: a fresh copy per test.
  vi.resetModules();
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const chunk = () => import('../../../client/passkeys/sign-in.ts');
const button = () => document.querySelector('button') as HTMLButtonElement;
const tickRemember = () => {
  (document.querySelector('input[name=remember]') as HTMLInputElement).checked = true;
};
const props = () => ({ socket, onAccepted: (handoff: string) => void accepted.push(handoff) });

/** Lets @simplewebauthn/browser's own awaits run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await flush();
}

describe('offerAutofill', () => {
  it('signs in with the passkey picked from the autofill, and hands the handoff to the page', async () => {
    const { offerAutofill } = await chunk();

    offerAutofill(props());
    expect(socket.sent).toEqual([{ type: 'passkey-options', purpose: 'sign-in', ref: 1 }]);
    await socket.reply({ type: 'passkey-options', ref: 1, options: OPTIONS });
    await settle();
    expect(requests.map((request) => request.mediation)).toEqual(['conditional']);

    tickRemember();
    requests[0]?.use();
    await settle();
    expect(socket.sent[1]).toEqual({
      type: 'passkey-sign-in',
      ref: 2,
      response: ANSWER,
      remember: true,
    });
    await socket.reply({ type: 'accepted', ref: 2, handoff: 'sealed-handoff' });

    expect(accepted).toEqual(['sealed-handoff']);
    expect(button().disabled).toBe(true);
    expect(document.getElementById(PASSKEY_ERROR_ID)).toBeNull();
  });
});

describe('signInWithPasskey with the autofill waiting', () => {
  it('cancels the autofill’s request first, without a word, and signs in with the button’s', async () => {
    const { offerAutofill, signInWithPasskey } = await chunk();
    offerAutofill(props());
    await socket.reply({ type: 'passkey-options', ref: 1, options: OPTIONS });
    await settle();
    const [conditional] = requests;

    const pressed = signInWithPasskey(props(), button());
    await settle();

    expect(conditional?.signal.aborted).toBe(true);
    expect(socket.sent[1]).toEqual({ type: 'passkey-options', purpose: 'sign-in', ref: 2 });
    await socket.reply({ type: 'passkey-options', ref: 2, options: OPTIONS });
    await settle();
    expect(requests.map((request) => request.mediation)).toEqual(['conditional', undefined]);
    requests[1]?.use();
    await settle();
    expect(socket.sent[2]).toMatchObject({ type: 'passkey-sign-in', ref: 3, remember: false });
    await socket.reply({ type: 'accepted', ref: 3, handoff: 'button-handoff' });
    await pressed;

    expect(accepted).toEqual(['button-handoff']);
    expect(document.getElementById(PASSKEY_ERROR_ID)).toBeNull();
  });

  it('offers the autofill again once the button’s sign-in has failed', async () => {
    const { offerAutofill, signInWithPasskey } = await chunk();
    offerAutofill(props());
    await socket.reply({ type: 'passkey-options', ref: 1, options: OPTIONS });
    await settle();

    const pressed = signInWithPasskey(props(), button());
    await settle();
    await socket.reply({ type: 'passkey-options', ref: 2, options: OPTIONS });
    await settle();
    requests[1]?.use();
    await settle();
    await socket.reply({
      type: 'refused',
      ref: 3,
      code: 'passkey.unknown',
      message: 'That passkey is not registered with any account.',
      errors: {},
    });
    await pressed;

    expect(document.getElementById(PASSKEY_ERROR_ID)?.textContent).toBe(
      'That passkey is not registered with any account.',
    );
    expect(button().disabled).toBe(false);
    expect(socket.sent[3]).toEqual({ type: 'passkey-options', purpose: 'sign-in', ref: 4 });
    await socket.reply({ type: 'passkey-options', ref: 4, options: OPTIONS });
    await settle();
    expect(requests.map((request) => request.mediation)).toEqual([
      'conditional',
      undefined,
      'conditional',
    ]);
  });
});
