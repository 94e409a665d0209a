import { createSignal } from 'solid-js';
import { PAGE_TITLE_ID } from '../../shared/names.ts';
import type { Flash as FlashData } from '../../shared/page.ts';

/**
 * The page's flash messages, each dismissable. Info is a polite status, an error an alert
 * (the role sits on the text alone, so the dismiss button is not read out with it).
 * The list only ever shrinks, so each message keeps its own "dismissed" flag (no <For>).
 * The dismiss button could do nothing without JavaScript: the server renders it `hidden`,
 * and the browser shows it once the page is live.
 */
export function Flashes(props: { initialFlash: readonly FlashData[] }) {
  const [open, setOpen] = createSignal(props.initialFlash.length);
  const dismissed = () => {
    setOpen((count) => count - 1);
    // Focus would be lost with the button; the heading is the next sensible place.
    document.getElementById(PAGE_TITLE_ID)?.focus();
  };
  return (
    <>
      {open() > 0 && (
        <div class="flashes">
          {props.initialFlash.map((flash) => (
            <Flash flash={flash} onDismiss={dismissed} />
          ))}
        </div>
      )}
    </>
  );
}

function Flash(props: { flash: FlashData; onDismiss: () => void }) {
  const [shown, setShown] = createSignal(true);
  // A message never changes: its parts are read once, into plain values (no effects for them).
  const kind = `flash flash-${props.flash.kind}`;
  const role = props.flash.kind === 'error' ? 'alert' : 'status';
  const text = props.flash.text;
  return (
    <>
      {shown() && (
        <div class={kind}>
          <p class="flash-text" role={role}>
            {text}
          </p>
          <button
            type="button"
            class="flash-dismiss"
            aria-label="Dismiss"
            hidden
            ref={(button) => {
              button.hidden = false;
            }}
            on:click={() => {
              setShown(false);
              props.onDismiss();
            }}
          >
            ×
          </button>
        </div>
      )}
    </>
  );
}
