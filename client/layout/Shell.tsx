import type { JSX } from 'solid-js';
import { isServer } from 'solid-js/web';
import { PAGE_TITLE_ID } from '../../shared/names.ts';
import type { Flash } from '../../shared/page.ts';
import type { LiveSocket } from '../live/socket.ts';
import { AccountNav } from './AccountNav.tsx';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { Flashes } from './Flashes.tsx';

/**
 * The header's account part (email, links, "Log out") never changes once the server rendered
 * it, and needs no script: its links are links and "Log out" is a plain post. So the pages'
 * production scripts, which only ever hydrate the server's markup, carry none of its code:
 * in its place an empty component, where hydration keeps the markup the server wrote (Solid
 * leaves what it finds where a component renders nothing; Solid's NoHydration does the
 * same). It takes AccountNav's place in the tree, so the hydration keys after it still
 * match. The server, the development server and the component tests, which render the
 * header themselves, use AccountNav.
 */
const AccountLinks = isServer || import.meta.env.DEV ? AccountNav : () => undefined;

/**
 * The frame of every page: the header (the "Baton" link home, the connection status and,
 * signed in, the account's email, its pages and "Log out"), and a centred card with the
 * flash messages and the page heading above `children`.
 */
export function Shell(props: {
  socket: LiveSocket;
  title: string;
  initialFlash: readonly Flash[];
  /**
   * The signed-in account's email; null or undefined: signed out, no account links.
   * Required, so no page can forget to pass what its page data says.
   */
  signedInEmail: string | null | undefined;
  /** This page's path, marked as the current one among the account links. */
  path?: string;
  children: JSX.Element;
}) {
  return (
    <>
      <header class="masthead">
        {/* href before class: the compiled template reads `href=/ class=…`, which happy-dom
            parses right; `href=/>` (valid HTML) it would read as an empty href. */}
        <a href="/" class="brand">
          Baton
        </a>
        <ConnectionStatus socket={props.socket} />
        {props.signedInEmail && <AccountLinks email={props.signedInEmail} path={props.path} />}
      </header>
      <main class="page">
        <section class="card" aria-labelledby={PAGE_TITLE_ID}>
          <Flashes initialFlash={props.initialFlash} />
          <h1 class="card-title" id={PAGE_TITLE_ID} tabindex="-1">
            {props.title}
          </h1>
          {props.children}
        </section>
      </main>
    </>
  );
}
