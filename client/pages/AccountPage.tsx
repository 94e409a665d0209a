import { ACCOUNT_PAGES } from '../../shared/account-pages.ts';
import { ACCOUNT_TITLE } from '../../shared/names.ts';
import { type PageData, RESEND_CONFIRMATION_PATH } from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { PageProps } from './page.ts';

export type AccountPageData = Extract<PageData, { page: 'account' }>;

const CONFIRM_TITLE_ID = 'confirm-email-title';

/**
 * The signed-in page: a small dashboard, the account's email, a reminder to confirm it
 * while it is not, and a link to each account page (shared/account-pages.ts); "Log out" is
 * in the header. Its live socket stays open, so the page goes to `/login` as soon as the
 * session ends anywhere (another tab, another instance; see App.tsx).
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
      {!props.data.emailConfirmed && (
        <section class="confirm-email" aria-labelledby={CONFIRM_TITLE_ID}>
          <h2 class="section-title" id={CONFIRM_TITLE_ID}>
            Confirm your email
          </h2>
          <p class="confirm-email-text">
            We emailed you a link to confirm that this address is yours. Nothing arrived, or the
            link has expired? Ask for a new one.
          </p>
          {/* A plain post (server/http/confirmation.ts): the same with or without JavaScript. */}
          <form class="form" method="post" action={RESEND_CONFIRMATION_PATH}>
            <button class="button button-quiet" type="submit">
              Resend confirmation email
            </button>
          </form>
        </section>
      )}
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
