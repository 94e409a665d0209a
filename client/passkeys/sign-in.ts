/**
 * Signing in with a passkey from /login, or confirming with one on /confirm-password:
 * WebAuthn's `get()` in the ceremony, and on /login the browser's passkey autofill
 * (autofill.ts). The log-in page loads this module (and @simplewebauthn/browser with it) as
 * a chunk of its own, by URL, only when "Sign in with a passkey" is pressed or the browser
 * offers passkey autofill (client/forms/PasskeySignIn.tsx and scripts/passkey-chunk-url.ts),
 * so what it does beyond that lives here, outside the page's budget: the button's state and
 * the error line are set on the DOM directly.
 */
import {
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  WebAuthnAbortService,
} from '@simplewebauthn/browser';
import type { PasskeySignInProps } from '../forms/PasskeySignIn.tsx';
import { type Autofill, createAutofill, type PasskeyBrowser } from './autofill.ts';
import { runCeremony } from './ceremony.ts';

/** The id of the line that says why a passkey sign-in did not work. */
export const PASSKEY_ERROR_ID = 'passkey-sign-in-error';

/**
 * Signs in with any passkey the browser has for this site (discoverable: no email asked),
 * keeping "Remember me" as ticked on the form; with `confirm`, confirms the signed-in
 * person with one of their account's passkeys instead (sudo mode, /confirm-password). On
 * success the handoff goes to `onAccepted` (the page posts it, as a password's); otherwise
 * the reason shows under the button.
 */
export async function signInWithPasskey(
  props: PasskeySignInProps,
  button: HTMLButtonElement,
): Promise<void> {
  const { socket, onAccepted, confirm } = props;
  const remember = rememberTicked();
  button.disabled = true;
  // One WebAuthn request at a time: the autofill's gives way, and comes back on a failure.
  await autofill?.pause();
  const result = await runCeremony(
    socket,
    confirm ? 'confirm' : 'sign-in',
    (options) =>
      startAuthentication({
        optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
      }),
    (response) =>
      confirm
        ? { type: 'passkey-confirm', response }
        : { type: 'passkey-sign-in', response, remember },
  );
  // Accepted: the page is leaving, and the button stays disabled until it has.
  if (result.ok) return onAccepted?.(result.handoff);
  button.disabled = false;
  showError(button, result.message);
  autofill?.resume();
}

/** WebAuthn through @simplewebauthn/browser, which keeps one request pending at a time. */
const webAuthn: PasskeyBrowser = {
  conditionalGet: (options) =>
    startAuthentication({
      optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
      useBrowserAutofill: true,
    }),
  cancel: () => WebAuthnAbortService.cancelCeremony(),
};

/** The page's autofill, made on the first `offerAutofill`. */
let autofill: Autofill | undefined;

/**
 * Offers the site's passkeys in the browser's autofill on /login, on the socket's current
 * connection: the log-in page calls it each time its socket opens, in a browser whose
 * `PublicKeyCredential.isConditionalMediationAvailable()` says it can. A passkey picked
 * there signs in as the button does, "Remember me" read as ticked at that moment.
 */
export function offerAutofill(props: PasskeySignInProps): void {
  const { socket, onAccepted } = props;
  const button = document.querySelector<HTMLButtonElement>('.passkey-sign-in button');
  autofill ??= createAutofill(
    socket,
    (handoff) => {
      // The page is leaving: the button stays disabled until it has.
      if (button) button.disabled = true;
      onAccepted?.(handoff);
    },
    {
      browser: webAuthn,
      page: {
        remember: rememberTicked,
        showError: (message) => button && showError(button, message),
      },
    },
  );
  autofill.start();
}

/** "Remember me" is ticked on the log-in form now. */
function rememberTicked(): boolean {
  const box = document.querySelector('input[name=remember]');
  return box instanceof HTMLInputElement && box.checked;
}

/** Puts `message` in the error line after the button's own line, making it once. */
function showError(button: HTMLButtonElement, message: string): void {
  let line = document.getElementById(PASSKEY_ERROR_ID);
  if (!line) {
    line = document.createElement('p');
    line.id = PASSKEY_ERROR_ID;
    line.className = 'form-error';
    line.setAttribute('role', 'alert');
    (button.parentElement ?? button).after(line);
    button.setAttribute('aria-describedby', PASSKEY_ERROR_ID);
  }
  line.textContent = message;
}
