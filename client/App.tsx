import { onCleanup } from 'solid-js';
import { isServer } from 'solid-js/web';
import { ACCOUNT_FROM_OTHER_TAB, type PageData } from '../shared/page.ts';
import { submitHandoff } from './live/handoff.ts';
import type { LiveSocket } from './live/socket.ts';
import type { PageComponent, PageProps } from './pages/page.ts';

/**
 * A page, and what it does in the browser: it leaves for `/account` when this browser signs
 * in in another tab, and for `/login` when its session ends. The server renders the same
 * tree, so hydration finds what it rendered; the browser's part is left out there.
 */
export function App<D extends PageData, S extends LiveSocket = LiveSocket>(
  props: PageProps<D, S> & { page: PageComponent<D, S> },
) {
  // Once this page posts a form (its own handoff, or a form the browser posts because the
  // socket was down) it is already navigating, and a navigation now would cancel that post:
  // from then on, the notice of a sign-in (most likely its own) is ignored, and so is the
  // end of the session that post replaces.
  let leaving = false;
  const onAccepted = (handoff: string) => {
    leaving = true;
    (props.onAccepted ?? submitHandoff)(handoff);
  };
  if (!isServer) {
    const navigate = props.navigate ?? ((path: string) => location.assign(path));
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
  }
  return (
    <props.page
      data={props.data}
      socket={props.socket}
      initialValues={props.initialValues}
      onAccepted={onAccepted}
      navigate={props.navigate}
    />
  );
}
