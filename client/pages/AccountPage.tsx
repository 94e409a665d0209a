import { onCleanup } from 'solid-js';
import type { PageData } from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { LiveSocket } from '../live/socket.ts';

export type AccountPageData = Extract<PageData, { page: 'account' }>;

/** The account page's heading (the server's markup uses the same). */
export const ACCOUNT_TITLE = 'Your account';

/**
 * The signed-in page. Keeps the live socket open and goes to `/login` as soon as the
 * session ends anywhere (another tab, another instance).
 */
export function AccountPage(props: {
  data: AccountPageData;
  socket: LiveSocket;
  /** Leaves the page; `location.assign` by default. */
  navigate?: (path: string) => void;
}) {
  onCleanup(
    props.socket.onSessionEnded(() =>
      (props.navigate ?? ((path) => location.assign(path)))('/login'),
    ),
  );
  return (
    <Shell socket={props.socket} title={ACCOUNT_TITLE} initialFlash={props.data.flash}>
      <p class="account-line">
        Signed in as <strong class="account-email">{props.data.email}</strong>
      </p>
      {/* Logging out ends this session's sockets too; close ours first so its
          "session ended" does not race the POST's own redirect. */}
      <form class="form" method="post" action="/logout" on:submit={() => props.socket.close()}>
        <button class="button button-quiet" type="submit">
          Log out
        </button>
      </form>
    </Shell>
  );
}
