import { ACCOUNT_PAGES } from '../../shared/account-pages.ts';
import { ACCOUNT_TITLE } from '../../shared/names.ts';
import type { PageData } from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { PageProps } from './page.ts';

export type AccountPageData = Extract<PageData, { page: 'account' }>;

/**
 * The signed-in page: a small dashboard, the account's email and a link to each account
 * page (shared/account-pages.ts); "Log out" is in the header. Its live socket stays open,
 * so the page goes to `/login` as soon as the session ends anywhere (another tab, another
 * instance; see App.tsx).
 */
export function AccountPage(props: PageProps<AccountPageData>) {
  return (
    <Shell
      socket={props.socket}
      title={ACCOUNT_TITLE}
      initialFlash={props.data.flash}
      signedInEmail={props.data.signedInEmail}
      path="/account"
    >
      <p class="account-line">
        Signed in as <strong class="account-email">{props.data.email}</strong>
      </p>
      <ul class="account-links">
        {ACCOUNT_PAGES.map((page) => (
          <li>
            <a href={page.path}>{page.label}</a>
          </li>
        ))}
      </ul>
    </Shell>
  );
}
