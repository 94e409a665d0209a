/** The sessions page's entry. */
import { createSessionsSocket } from '../live/sessions-socket.ts';
import { SessionsPage } from '../pages/SessionsPage.tsx';
import { startPageWhenLoaded } from '../start.tsx';

// As the account page: the server's markup is complete and its buttons are plain posts; the
// socket only keeps the list up to date, so going live waits for the load event. Its socket
// takes the `sessions` frames that keep it so.
startPageWhenLoaded(SessionsPage, createSessionsSocket);
