import { createSignal, onCleanup } from 'solid-js';
import { isServer } from 'solid-js/web';
import type { LiveSocket } from '../live/socket.ts';

/** How long a first connection may take before the page says it is reconnecting. */
export const CONNECTING_GRACE_MS = 1000;

/**
 * Says "Reconnecting…" while the live socket is down after having been up, or is still
 * connecting after a moment. Forms keep working meanwhile (they post over plain HTTP).
 */
export function ConnectionStatus(props: { socket: LiveSocket }) {
  const [late, setLate] = createSignal(false);
  // The server renders the page as it is before the socket had a chance: connecting, quiet.
  if (!isServer) {
    const timer = setTimeout(() => setLate(true), CONNECTING_GRACE_MS);
    onCleanup(() => clearTimeout(timer));
  }
  const down = () => {
    const state = props.socket.state();
    return state === 'reconnecting' || (state === 'connecting' && late());
  };
  return (
    <>
      {down() && (
        <p class="connection" role="status">
          Reconnecting…
        </p>
      )}
    </>
  );
}
