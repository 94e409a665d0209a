import { signInUrl } from 'virtual:passkey-sign-in-url';
import type { LiveSocket } from '../live/socket.ts';

/**
 * "Sign in with a passkey" on /login, or with `confirm`, "Use a passkey instead" on
 * /confirm-password (sudo mode) for an account that has passkeys. A passkey needs the page's script, so the button is
 * hidden in the server's markup and shown once the script runs. Every byte here weighs on
 * the log-in page's budget: the ceremony, its errors and @simplewebauthn/browser are in a
 * chunk of their own (client/passkeys/sign-in.ts), imported by URL on the first press.
 */
export function PasskeySignIn(props: {
  socket: LiveSocket;
  onAccepted?: (handoff: string) => void;
  confirm?: boolean;
}) {
  return (
    <p
      class="passkey-sign-in"
      hidden
      ref={(line) => {
        line.hidden = false;
      }}
    >
      <button
        class="button button-quiet"
        type="button"
        on:click={(event) => {
          const button = event.currentTarget;
          import(/* @vite-ignore */ signInUrl).then((chunk) =>
            chunk.signInWithPasskey(props.socket, props.onAccepted, button, props.confirm),
          );
        }}
      >
        {props.confirm ? 'Use a passkey instead' : 'Sign in with a passkey'}
      </button>
    </p>
  );
}
