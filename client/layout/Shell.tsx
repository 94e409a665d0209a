import type { JSX } from 'solid-js';
import { PAGE_TITLE_ID } from '../../shared/names.ts';
import type { Flash } from '../../shared/page.ts';
import type { LiveSocket } from '../live/socket.ts';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { Flashes } from './Flashes.tsx';

/**
 * The frame of every page: the "Baton" header with the connection status, and a centred
 * card with the flash messages and the page heading above `children`.
 */
export function Shell(props: {
  socket: LiveSocket;
  title: string;
  initialFlash: readonly Flash[];
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
