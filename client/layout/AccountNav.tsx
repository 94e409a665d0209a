import { ACCOUNT_PAGES } from '../../shared/account-pages.ts';

/**
 * The signed-in part of the header: the account's email (as text, wrapping anywhere when
 * it is longer than the screen is wide), a link to each account page (shared/account-pages.ts)
 * and "Log out", a plain form post that works without JavaScript.
 */
export function AccountNav(props: { email: string; path?: string }) {
  return (
    <nav class="account-nav" aria-label="Account">
      <p class="account-nav-email">{/* @once */ props.email}</p>
      <ul class="account-nav-links">
        {/* The list and the page never change: plain values, read once (no effects). */}
        {ACCOUNT_PAGES.map(({ path, label }) => {
          const current = path === props.path ? 'page' : undefined;
          return (
            <li>
              <a href={path} aria-current={current}>
                {label}
              </a>
            </li>
          );
        })}
      </ul>
      {/* Logging out ends this session's sockets, this page's too: App.tsx ignores that
          once the page is posting a form, so the POST's own redirect wins. */}
      <form method="post" action="/logout">
        <button class="button button-quiet button-small" type="submit">
          Log out
        </button>
      </form>
    </nav>
  );
}
