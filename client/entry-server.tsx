/**
 * The pages as the server renders them: the same component trees the entries hydrate,
 * rendered to HTML by Solid on the server. Vite builds this file for the server (`vite build
 * --ssr`, into dist/ssr), and the dev server loads it through Vite; the Koa server puts the
 * result into the document (server/pages/render.ts).
 */
import { renderToString } from 'solid-js/web';
import type { PageData } from '../shared/page.ts';
import { App } from './App.tsx';
import favicon from './favicon.svg';
import type { SessionsSocket } from './live/sessions-socket.ts';
import { AccountPage, type AccountPageData } from './pages/AccountPage.tsx';
import { FormPage, type FormPageData } from './pages/FormPage.tsx';
import { MailboxPage, type MailboxPageData } from './pages/MailboxPage.tsx';
import { PasskeysPage } from './pages/PasskeysPage.tsx';
import { SessionsPage, type SessionsPageData } from './pages/SessionsPage.tsx';
import { TwoFactorPage } from './pages/TwoFactorPage.tsx';

/** The favicon's URL (small enough for Vite to inline it as a `data:` URL). */
export const FAVICON_URL: string = favicon;

/**
 * A socket that never connects: a page is rendered as it looks before its socket opens.
 * It serves every page, the sessions page's too (whose socket is a SessionsSocket).
 */
const notConnected: SessionsSocket = {
  state: () => 'connecting',
  request: async () => ({ ok: false, code: 'socket.closed', message: 'Not connected.' }),
  onSessionEnded: () => () => {},
  onSignedIn: () => () => {},
  onSessions: () => () => {},
  close: () => {},
};

/** The markup inside `<div id="app">` for a page, with the keys its entry hydrates by. */
export function renderBody(data: PageData): string {
  return renderToString(() => {
    if (data.page === 'account')
      return <App page={AccountPage} data={data as AccountPageData} socket={notConnected} />;
    if (data.page === 'two-factor')
      return <App page={TwoFactorPage} data={data} socket={notConnected} />;
    if (data.page === 'mailbox')
      return <App page={MailboxPage} data={data as MailboxPageData} socket={notConnected} />;
    if (data.page === 'sessions')
      return <App page={SessionsPage} data={data as SessionsPageData} socket={notConnected} />;
    if (data.page === 'passkeys')
      return <App page={PasskeysPage} data={data} socket={notConnected} />;
    return <App page={FormPage} data={data as FormPageData} socket={notConnected} />;
  });
}
