/**
 * The entry: takes over the page the server rendered. The server's markup works on its
 * own; this replaces it with the same structure, live.
 */
import './styles.css';
import { render } from 'solid-js/web';
import type { PageData } from '../shared/page.ts';
import { App } from './App.tsx';
import { createLiveSocket } from './live/socket.ts';
import { readPageData, readTypedValues } from './page-data.ts';

function takeOver(root: HTMLElement, data: PageData): void {
  // Keep what the person already typed, and their place, across the swap.
  const initialValues = readTypedValues(root);
  // By id: the form's error (focused after a refused post) has no name.
  const focused = document.activeElement?.id;
  const serverMarkup = [...root.childNodes];
  root.textContent = '';
  try {
    render(() => {
      const socket = createLiveSocket();
      return <App data={data} socket={socket} initialValues={initialValues} />;
    }, root);
  } catch (error) {
    // The server's page works on its own: put it back rather than leave a blank page.
    root.replaceChildren(...serverMarkup);
    throw error;
  }
  if (focused) document.getElementById(focused)?.focus();
}

const root = document.getElementById('app');
const data = readPageData();

if (root && data) {
  if (data.page === 'account') {
    // Nothing on the account page waits for this script: the server's markup shows the email,
    // the flash and a working "Log out" form, and the live socket only has to notice a sign-out
    // elsewhere within a few seconds. Rendering it again before the load event held that event
    // (and the paint of the page) back by several milliseconds after every sign-in, so it waits
    // until after the load event, outside its handlers, whose time the event includes.
    const later = () => setTimeout(takeOver, 0, root, data);
    if (document.readyState === 'complete') later();
    else addEventListener('load', later, { once: true });
  } else {
    // A form page is taken over at once: the person may already be typing.
    takeOver(root, data);
  }
}
