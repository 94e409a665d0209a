/**
 * What every page's entry runs: hydrates the page the server rendered, so the markup the
 * person already sees becomes live in place (same nodes, so what they typed and where the
 * focus is stay).
 */
import './styles.css';
import { hydrate } from 'solid-js/web';
import type { PageData } from '../shared/page.ts';
import { App } from './App.tsx';
import { developPage } from './dev.ts';
import { createLiveSocket, type LiveSocket } from './live/socket.ts';
import { readPageData, readTypedValues } from './page-data.ts';
import type { PageComponent } from './pages/page.ts';

/**
 * Solid's hydration reads its state from `window._$HY`, which its `HydrationScript` sets up
 * with an inline script before any module loads. The CSP forbids inline scripts, so this
 * sets up the same state instead; the script's other job, recording delegated events that
 * happen before hydration to replay them, has nothing to do here: the pages bind their
 * events natively (`on:`), and what a person types early is read from the inputs instead.
 */
function prepareHydration(): void {
  const hydration = globalThis as { _$HY?: object };
  hydration._$HY ??= { events: [], completed: new WeakSet(), r: {}, fe() {} };
}

/** How a page opens its socket: `createLiveSocket` unless the page needs more. */
interface StartOptions<S extends LiveSocket> {
  /** Wait for the load event, for a page where nothing waits for the script (see entries/account.tsx). */
  whenLoaded?: boolean;
  /** Opens the page's socket (entries/sessions.tsx); `createLiveSocket()` by default. */
  openSocket?: () => S;
}

function goLive<D extends PageData, S extends LiveSocket>(
  page: PageComponent<D, S>,
  root: HTMLElement,
  data: D,
  openSocket: () => S,
): void {
  // Hydration keeps the inputs, but the form's state starts from the page data: give it what
  // the person typed before this script ran, so the first check and submit send that.
  const initialValues = readTypedValues(root);
  prepareHydration();
  hydrate(() => {
    const socket = openSocket();
    return <App page={page} data={data} socket={socket} initialValues={initialValues} />;
  }, root);
}

/** Makes the page live. */
export function startPage<D extends PageData>(
  page: PageComponent<D>,
  options?: StartOptions<LiveSocket>,
): void;
export function startPage<D extends PageData, S extends LiveSocket>(
  page: PageComponent<D, S>,
  options: StartOptions<S> & { openSocket: () => S },
): void;
export function startPage<D extends PageData, S extends LiveSocket>(
  page: PageComponent<D, S>,
  options: StartOptions<S> = {},
): void {
  // Without `openSocket`, S is LiveSocket (the first signature), which createLiveSocket opens.
  const openSocket = options.openSocket ?? (createLiveSocket as () => S);
  const root = document.getElementById('app');
  // The server sends each page with its own entry, so the data is this page's kind.
  const data = readPageData() as D | null;
  if (!root || !data) return;
  if (import.meta.hot) developPage(root, import.meta.hot);
  if (!options.whenLoaded) {
    goLive(page, root, data, openSocket);
    return;
  }
  // Outside the load event's handlers, whose time the event includes.
  const later = () => setTimeout(goLive, 0, page, root, data, openSocket);
  if (document.readyState === 'complete') later();
  else addEventListener('load', later, { once: true });
}
