/**
 * The browser's passkey autofill on /login (WebAuthn's conditional mediation): a `get()`
 * left pending while the page is open, so the browser lists the site's passkeys among the
 * email field's suggestions (`autocomplete="username webauthn"`, shared/forms.ts). Picking
 * one signs in as "Sign in with a passkey" does: the same `passkey-options` (purpose
 * `sign-in`) and `passkey-sign-in` frames, the handoff posted the same way.
 *
 * A browser has at most one WebAuthn request pending, and the server keeps one sign-in
 * challenge per socket (server/passkeys/challenges.ts), for that socket only and for a
 * limited time. So the request:
 * - starts once per connection: a new connection cancels the old request and starts
 *   another, whose challenge is the new socket's (`start`, called by the log-in page each
 *   time its socket opens: client/forms/PasskeySignIn.tsx);
 * - starts again when its challenge expires: after the options' `timeout`, which the server
 *   sets to the challenge's lifetime. At most one request is pending, and nothing starts
 *   another but a new connection or that expiry (a refused answer included);
 * - gives way to the button (`pause`, then `resume` if the button's sign-in fails).
 * A request cancelled or replaced says nothing: only an answer the person gave and the
 * server refused shows an error.
 */
import type { LiveSocket } from '../live/socket.ts';
import { runCeremony } from './ceremony.ts';

/** WebAuthn as the autofill uses it; tests pass a fake. */
export interface PasskeyBrowser {
  /**
   * `navigator.credentials.get()` with the server's options, from the autofill list
   * (conditional mediation). Rejects once `cancel` is called.
   */
  conditionalGet(options: Record<string, unknown>): Promise<object>;
  /** Cancels the pending request. */
  cancel(): void;
}

/** What the autofill reads from and shows on the page. */
export interface AutofillPage {
  /** "Remember me" is ticked now. */
  remember(): boolean;
  /** Says why the passkey the person picked did not sign them in. */
  showError(message: string): void;
}

export interface Autofill {
  /**
   * Starts a request on the socket's current connection, cancelling the one before (if
   * any). Does nothing while the socket is not open or the autofill is paused.
   */
  start(): void;
  /**
   * Cancels the request, quietly, for a request of the page's own (the button's), and
   * starts none until `resume`. Resolves once the server has answered the request's options,
   * if they were still on their way, so that the button's options replace them on the
   * server and not the other way round.
   */
  pause(): Promise<void>;
  /** Starts a request again after `pause`. */
  resume(): void;
}

/**
 * @example
 * const autofill = createAutofill(socket, submitHandoff, { browser, page });
 * autofill.start(); // each time the socket opens
 */
export function createAutofill(
  socket: LiveSocket,
  onAccepted: (handoff: string) => void,
  parts: { browser: PasskeyBrowser; page: AutofillPage },
): Autofill {
  const { browser, page } = parts;
  /** The current request's number; a request whose number is not this one was cancelled. */
  let current = 0;
  /** The number of the request whose `get()` is pending in the browser, else 0. */
  let pending = 0;
  let paused = false;
  let expiry: ReturnType<typeof setTimeout> | undefined;
  /** Settles once the current request's options have been answered (or never asked). */
  let optionsAnswered: Promise<void> = Promise.resolve();

  function cancel(): void {
    current += 1;
    clearTimeout(expiry);
    // Only ever the autofill's own request: the button's must not be cancelled from here.
    if (pending !== 0) {
      pending = 0;
      browser.cancel();
    }
  }

  async function run(mine: number): Promise<void> {
    let answered = () => {};
    optionsAnswered = new Promise((resolve) => {
      answered = resolve;
    });
    let picked = false;
    const result = await runCeremony(
      socket,
      'sign-in',
      async (options) => {
        answered();
        if (mine !== current) throw new DOMException('Replaced', 'AbortError');
        // The server's challenge lasts `timeout` ms: then this request is dead, and a new
        // one takes its place. The browser may keep a conditional request pending past it.
        if (typeof options.timeout === 'number') expiry = setTimeout(start, options.timeout);
        pending = mine;
        try {
          const response = await browser.conditionalGet(options);
          // Cancelled too late to stop the browser: a replaced request's answer is not sent.
          if (mine !== current) throw new DOMException('Replaced', 'AbortError');
          picked = true;
          return response;
        } finally {
          if (pending === mine) pending = 0;
        }
      },
      (response) => ({ type: 'passkey-sign-in', response, remember: page.remember() }),
    );
    answered();
    // An accepted answer signs in even if a reconnect or the button came meanwhile: the
    // person chose that passkey, and the server already took it.
    if (result.ok) {
      // The page is leaving with it: nothing more to start.
      paused = true;
      cancel();
      return onAccepted(result.handoff);
    }
    // Cancelled, replaced, the options refused or the browser's own refusal: nothing to
    // say. The next connection, or the expiry already set, starts another.
    if (mine !== current || !picked) return;
    // Refused: the answer used the challenge up. The expiry already set (or the next
    // connection) offers the passkeys again, not this refusal: an authenticator that answers
    // by itself must not turn refusals into a stream of failed sign-ins.
    page.showError(result.message);
  }

  function start(): void {
    cancel();
    if (!paused && socket.state() === 'open') void run(current);
  }

  return {
    start,
    pause() {
      paused = true;
      cancel();
      return optionsAnswered;
    },
    resume() {
      paused = false;
      start();
    },
  };
}
