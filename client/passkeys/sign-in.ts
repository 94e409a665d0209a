/**
 * Signing in with a passkey from /login, or confirming with one on /confirm-password:
 * WebAuthn's `get()` in the ceremony. The log-in
 * page loads this module (and @simplewebauthn/browser with it) as a chunk of its own, by
 * URL, only when "Sign in with a passkey" is pressed (client/forms/PasskeySignIn.tsx and
 * scripts/passkey-chunk-url.ts), so what it does beyond the press lives here, outside the
 * page's budget: the button's state and the error line are set on the DOM directly.
 */
import {
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
} from '@simplewebauthn/browser';
import type { LiveSocket } from '../live/socket.ts';
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
  socket: LiveSocket,
  onAccepted: ((handoff: string) => void) | undefined,
  button: HTMLButtonElement,
  confirm?: boolean,
): Promise<void> {
  const box = document.querySelector('input[name=remember]');
  const remember = box instanceof HTMLInputElement && box.checked;
  button.disabled = true;
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
