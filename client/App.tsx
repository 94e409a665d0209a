import { onCleanup } from 'solid-js';
import { ACCOUNT_FROM_OTHER_TAB, type PageData } from '../shared/page.ts';
import type { Fields } from '../shared/protocol.ts';
import { submitHandoff } from './live/handoff.ts';
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
  const navigate = props.navigate ?? ((path: string) => location.assign(path));
  // Once this page posts a form (its own handoff, or a form the browser posts because the
  // socket was down) it is already navigating, and a navigation now would cancel that post:
  // from then on, the notice of a sign-in (most likely its own) is ignored, and so is the
  // end of the session that post replaces.
  let leaving = false;
  const onAccepted = (handoff: string) => {
    leaving = true;
    (props.onAccepted ?? submitHandoff)(handoff);
  };
  // Bubbles here after the form's own handler, which prevents the default when it submits
  // over the socket; a submit left to the browser is a full-page post.
  const onSubmit = (event: SubmitEvent) => {
    if (!event.defaultPrevented) leaving = true;
  };
  document.addEventListener('submit', onSubmit);
  onCleanup(() => document.removeEventListener('submit', onSubmit));
  // Signed in in another tab: this page is out of date; /account shows the new state.
  // Leaving then too: the end of the session that sign-in replaced follows, and is ignored.
  onCleanup(
    props.socket.onSignedIn(() => {
      if (!leaving) navigate(ACCOUNT_FROM_OTHER_TAB);
      leaving = true;
    }),
  );
  // This page's session ended (sign-out in another tab or on another instance, expiry,
  // revocation): only a signed-in page's socket hears it, and such a page is now stale.
  // Unless it is leaving: its own post (a handoff) replaces the session and so ends it.
  onCleanup(props.socket.onSessionEnded(() => leaving || navigate('/login')));
  // The page never changes kind without a navigation, so choosing once is enough.
  return props.data.page === 'account' ? (
    <AccountPage data={props.data} socket={props.socket} />
  ) : (
    <FormPage
      data={props.data}
      socket={props.socket}
      initialValues={props.initialValues}
      onAccepted={onAccepted}
    />
  );
}
