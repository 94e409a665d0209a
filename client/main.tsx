/**
 * The entry: takes over the page the server rendered. The server's markup works on its
 * own; this replaces it with the same structure, live.
 */
import './styles.css';
import { render } from 'solid-js/web';
import { App } from './App.tsx';
import { createLiveSocket } from './live/socket.ts';
import { readPageData, readTypedValues } from './page-data.ts';

const root = document.getElementById('app');
const data = readPageData();

if (root && data) {
  // Keep what the person already typed, and their place, across the swap.
  const initialValues = readTypedValues(root);
  const focused = document.activeElement?.getAttribute('name');
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
  if (focused) root.querySelector<HTMLElement>(`[name="${focused}"]`)?.focus();
}
