import { createSignal, For, onMount } from 'solid-js';
import { isServer } from 'solid-js/web';
import { fieldId, PASSKEYS_TITLE } from '../../shared/names.ts';
import {
  PASSKEYS_ACTIONS as ACTIONS,
  PASSKEYS_PATH,
  type PasskeysPageData,
  type PasskeyView,
} from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import { addPasskey } from '../passkeys/register.ts';
import type { PageProps } from './page.ts';

const NAME_ID = fieldId('add-passkey', 'name');
const ADD_ERROR_ID = 'add-passkey-error';

/**
 * A time as "2025-01-05 10:00 UTC": the same text on the server and in the browser,
 * whatever either's time zone, so hydration finds what the server rendered.
 */
function when(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * /account/passkeys: the account's passkeys, each with "Rename" and "Remove" (plain posts
 * that work without JavaScript), and "Add a passkey", a WebAuthn ceremony over the page's
 * socket that only the page's script can run: until it runs, the page says so.
 */
export function PasskeysPage(props: PageProps<PasskeysPageData>) {
  return (
    <Shell
      socket={props.socket}
      title={PASSKEYS_TITLE}
      initialFlash={props.data.flash}
      signedInEmail={props.data.signedInEmail}
      path={PASSKEYS_PATH}
    >
      <p class="form-intro">
        A passkey signs you in without your password: your device checks it is you, with your
        fingerprint, face, screen lock or security key.
      </p>
      {props.data.passkeys.length === 0 ? (
        <p class="account-line">You have no passkeys yet.</p>
      ) : (
        <ul class="passkeys">
          <For each={props.data.passkeys}>
            {(passkey, index) => <PasskeyItem passkey={passkey} index={index()} />}
          </For>
        </ul>
      )}
      {props.data.available ? (
        <AddPasskey socket={props.socket} onAccepted={props.onAccepted} navigate={props.navigate} />
      ) : (
        <p class="account-line">
          Passkeys are not available on this address: open Baton at its host name (not an IP
          address) to add one.
        </p>
      )}
      <p class="alternate">
        <a href="/account">Back to your account</a>
      </p>
    </Shell>
  );
}

/** One passkey: its name, when it was added and last used, and its two forms. */
function PasskeyItem(props: { passkey: PasskeyView; index: number }) {
  const nameId = `passkey-${props.index}`;
  const renameId = `passkey-${props.index}-name`;
  return (
    <li class="passkey">
      <p class="passkey-name" id={nameId}>
        {props.passkey.name}
      </p>
      <p class="passkey-meta">
        Added{' '}
        <time datetime={new Date(props.passkey.createdAt).toISOString()}>
          {when(props.passkey.createdAt)}
        </time>
        <br />
        {props.passkey.lastUsedAt === null ? (
          'Never used to sign in'
        ) : (
          <>
            Last used{' '}
            <time datetime={new Date(props.passkey.lastUsedAt).toISOString()}>
              {when(props.passkey.lastUsedAt)}
            </time>
          </>
        )}
      </p>
      <form class="passkey-rename" method="post" action={ACTIONS.rename}>
        <input type="hidden" name="id" value={props.passkey.id} />
        <label class="visually-hidden" for={renameId}>
          New name for {props.passkey.name}
        </label>
        <input
          class="field-input"
          id={renameId}
          name="name"
          type="text"
          maxlength="50"
          required
          autocomplete="off"
          value={props.passkey.name}
        />
        <button class="button button-quiet" type="submit" aria-describedby={nameId}>
          Rename
        </button>
      </form>
      <form method="post" action={ACTIONS.remove}>
        <input type="hidden" name="id" value={props.passkey.id} />
        <button class="button button-danger" type="submit" aria-describedby={nameId}>
          Remove
        </button>
      </form>
    </li>
  );
}

/**
 * The name field and "Add a passkey". In the server's markup (and without JavaScript) the
 * button is disabled and a line says a passkey needs JavaScript; once the script runs, the
 * button starts the ceremony, and its handoff reloads this page with the new passkey listed.
 */
function AddPasskey(props: Pick<PageProps, 'socket' | 'onAccepted' | 'navigate'>) {
  const [live, setLive] = createSignal(false);
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal('');
  let name: HTMLInputElement | undefined;
  if (!isServer) onMount(() => setLive(true));
  const add = async (event: SubmitEvent) => {
    event.preventDefault();
    setPending(true);
    setError('');
    const result = await addPasskey(props.socket, name?.value ?? '');
    if (result.ok) return props.onAccepted?.(result.handoff);
    setPending(false);
    // The confirmation went stale while the page was open: the page asks for it again.
    if (result.code === 'auth.recent-required')
      return (props.navigate ?? ((path: string) => location.assign(path)))(PASSKEYS_PATH);
    setError(result.message);
  };
  return (
    <form class="form" on:submit={add}>
      <h2 class="section-title">Add a passkey</h2>
      {error() && (
        <p class="form-error" id={ADD_ERROR_ID} role="alert">
          {error()}
        </p>
      )}
      <div class="field">
        <label class="field-label" for={NAME_ID}>
          Passkey name
        </label>
        <input
          class="field-input"
          id={NAME_ID}
          name="name"
          type="text"
          maxlength="50"
          autocomplete="off"
          aria-describedby={`${NAME_ID}-hint`}
          ref={name}
        />
        <p class="field-hint" id={`${NAME_ID}-hint`}>
          {live()
            ? 'Optional, for example “Work laptop”.'
            : 'Adding a passkey needs JavaScript. Turn it on in your browser to add one.'}
        </p>
      </div>
      <button class="button" type="submit" disabled={!live() || pending()}>
        {pending() ? 'Adding…' : 'Add a passkey'}
      </button>
    </form>
  );
}
