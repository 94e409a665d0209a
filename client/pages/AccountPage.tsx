import { ACCOUNT_TITLE } from '../../shared/names.ts';
import type { PageData } from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { PageProps } from './page.ts';

export type AccountPageData = Extract<PageData, { page: 'account' }>;

/**
 * The signed-in page. Its live socket stays open, so the page goes to `/login` as soon as
 * the session ends anywhere (another tab, another instance; see App.tsx).
 */
export function AccountPage(props: PageProps<AccountPageData>) {
  return (
    <Shell socket={props.socket} title={ACCOUNT_TITLE} initialFlash={props.data.flash}>
      <p class="account-line">
        Signed in as <strong class="account-email">{props.data.email}</strong>
      </p>
      <p class="account-line">
        <a href="/account/sessions">Sessions</a>
      </p>
      <p class="account-line">
        <a href="/change-password">Change password</a>
      </p>
      <p class="account-line">
        <a href="/account/delete">Delete account</a>
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
