import { signInUrl } from 'virtual:passkey-sign-in-url';
import { createRenderEffect } from 'solid-js';
import { isServer } from 'solid-js/web';
import type { LiveSocket } from '../live/socket.ts';

/** Loads the chunk. Only the browser's code calls it: the server's build keeps no `import('')`. */
const chunk = () => import(/* @vite-ignore */ signInUrl);

/** What the chunk's functions are handed too: they read what they need (fewer bytes here). */
export interface PasskeySignInProps {
  socket: LiveSocket;
  onAccepted?: (handoff: string) => void;
  confirm?: boolean;
}

/**
 * "Sign in with a passkey" on /login, or with `confirm`, "Use a passkey instead" on
 * /confirm-password (sudo mode) for an account that has passkeys. A passkey needs the page's script, so the button is
 * hidden in the server's markup and shown once the script runs. Every byte here weighs on
 * the log-in page's budget: the ceremony, its errors and @simplewebauthn/browser are in a
 * chunk of their own (client/passkeys/sign-in.ts), imported by URL on the first press, or
 * on /login as soon as the browser says it offers passkeys in its autofill.
 */
export function PasskeySignIn(props: PasskeySignInProps) {
  // /login: each time the socket opens (a new connection, which a challenge is bound to),
  // the browser's passkey autofill where it has one (client/passkeys/autofill.ts). A render
  // effect: already in the bundle, where createEffect is not.
  if (!isServer && !props.confirm)
    createRenderEffect(() => {
      if (props.socket.state() === 'open')
        // The autofill only adds to the page: a browser that cannot tell, or a chunk that
        // does not load, leaves the button and the password as they are, quietly.
        window.PublicKeyCredential?.isConditionalMediationAvailable?.()
          .then((offered) => offered && chunk().then((loaded) => loaded.offerAutofill(props)))
          .catch(() => {});
    });
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
          chunk().then((loaded) => loaded.signInWithPasskey(props, button));
        }}
      >
        {props.confirm ? 'Use a passkey instead' : 'Sign in with a passkey'}
      </button>
    </p>
  );
}
