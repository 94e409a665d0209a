import type { JSX } from 'solid-js';
import { PAGE_TITLE_ID } from '../../shared/names.ts';
import type { Flash } from '../../shared/page.ts';
import type { LiveSocket } from '../live/socket.ts';
import { AccountNav } from './AccountNav.tsx';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { Flashes } from './Flashes.tsx';
import { RENDERS_STATIC_PARTS, ServerRendered } from './server-rendered.ts';

/**
 * The header's account part (email, links, "Log out") never changes and needs no script: its
 * links are links and "Log out" is a plain post. Left to the server (see server-rendered.ts).
 */
const AccountLinks = RENDERS_STATIC_PARTS ? AccountNav : ServerRendered;

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
