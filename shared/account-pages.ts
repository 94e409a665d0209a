/**
 * The account's pages, as the header and the account page link to them: one list, so a
 * page added here shows up in both. Only pages that exist are listed, in the order
 * CONTRACT.md names them ("Sessions", "Change password", "Change email", "Passkeys",
 * "Two-factor", "Delete account"); test/shared/account-pages.test.ts holds it to that order.
 */
import type { PagePath } from './page.ts';

export interface AccountPageLink {
  /** The link's words, exactly as CONTRACT.md says them. */
  label: string;
  path: PagePath;
}

export const ACCOUNT_PAGES: readonly AccountPageLink[] = [
  { label: 'Sessions', path: '/account/sessions' },
  { label: 'Change password', path: '/change-password' },
  { label: 'Change email', path: '/change-email' },
  { label: 'Passkeys', path: '/account/passkeys' },
  { label: 'Two-factor', path: '/account/two-factor' },
  { label: 'Delete account', path: '/account/delete' },
];
