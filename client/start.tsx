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

/**
 * Hydrates the page the server rendered, with its data. A page without its root or data
 * (not one the server rendered) keeps its markup as it is, still working.
 */
function goLive<D extends PageData, S extends LiveSocket>(
  page: PageComponent<D, S>,
  openSocket: () => S,
): void {
  const root = document.getElementById('app');
  // The server sends each page with its own entry, so the data is this page's kind.
  const data = readPageData() as D | null;
  if (!root || !data) return;
  if (import.meta.hot) developPage(root, import.meta.hot);
  // Hydration keeps the inputs, but the form's state starts from the page data: give it what
  // the person typed before this script ran, so the first check and submit send that.
  const initialValues = readTypedValues(root);
  prepareHydration();
  hydrate(() => {
    const socket = openSocket();
    return <App page={page} data={data} socket={socket} initialValues={initialValues} />;
  }, root);
}

/** Makes the page live at once: for the form pages, where the person may already be typing. */
export function startPage<D extends PageData>(page: PageComponent<D>): void {
  goLive(page, createLiveSocket);
}

/**
 * Makes the page live once it has loaded, for a page where nothing waits for the script (see
 * entries/account.tsx). Two functions rather than an option, so the form pages' script, which
 * goes live at once, carries none of this. `openSocket`: how the page opens its socket, for a
 * page that needs more than `createLiveSocket` gives (entries/sessions.tsx).
 */
export function startPageWhenLoaded<D extends PageData>(page: PageComponent<D>): void;
export function startPageWhenLoaded<D extends PageData, S extends LiveSocket>(
  page: PageComponent<D, S>,
  openSocket: () => S,
): void;
export function startPageWhenLoaded<D extends PageData, S extends LiveSocket>(
  page: PageComponent<D, S>,
  // Without it, S is LiveSocket (the first signature), which createLiveSocket opens.
  openSocket = createLiveSocket as () => S,
): void {
  // Outside the load event's handlers, whose time the event includes.
  const later = () => setTimeout(goLive, 0, page, openSocket);
  if (document.readyState === 'complete') later();
  else addEventListener('load', later, { once: true });
}
