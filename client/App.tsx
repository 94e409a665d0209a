import { onCleanup } from 'solid-js';
import type { PageData } from '../shared/page.ts';
import type { Fields } from '../shared/protocol.ts';
import type { LiveSocket } from './live/socket.ts';
import { AccountPage } from './pages/AccountPage.tsx';
import { FormPage } from './pages/FormPage.tsx';

/** The page the server rendered, now live. */
export function App(props: {
  data: PageData;
  socket: LiveSocket;
  initialValues?: Partial<Fields>;
  navigate?: (path: string) => void;
  onAccepted?: (handoff: string) => void;
}) {
  // Signed in in another tab: this page is out of date; /account shows the new state.
  onCleanup(
    props.socket.onSignedIn(() =>
      (props.navigate ?? ((path) => location.assign(path)))('/account'),
    ),
  );
  // The page never changes kind without a navigation, so choosing once is enough.
  return props.data.page === 'account' ? (
    <AccountPage data={props.data} socket={props.socket} navigate={props.navigate} />
  ) : (
    <FormPage
      data={props.data}
      socket={props.socket}
      initialValues={props.initialValues}
      onAccepted={props.onAccepted}
    />
  );
}
