/**
 * The words and element ids a page is known by, in one place: the server's document title
 * and the components' headings and ids come from here, so they cannot drift apart.
 */
import type { PageData } from './page.ts';

/** The product name, last in every document title. */
export const PRODUCT_NAME = 'Baton';

/** The account page's heading. */
export const ACCOUNT_TITLE = 'Your account';

/** The authenticator-app page's heading. */
export const TWO_FACTOR_TITLE = 'Two-factor authentication';
/** The sessions page's heading. */
export const SESSIONS_TITLE = 'Your sessions';
/** The passkeys page's heading. */
export const PASSKEYS_TITLE = 'Passkeys';

/** The page heading's id: the card is labelled by it, and focus goes there when a flash is dismissed. */
export const PAGE_TITLE_ID = 'page-title';

/** The id of a form's input, e.g. `login-email`. */
export const fieldId = (form: string, field: string): string => `${form}-${field}`;

/** The dev mailbox's heading (/dev/mailbox). */
export const MAILBOX_TITLE = 'Dev mailbox';

/** The page's heading. */
export function pageHeading(data: PageData): string {
  if (data.page === 'account') return ACCOUNT_TITLE;
  if (data.page === 'two-factor') return TWO_FACTOR_TITLE;
  if (data.page === 'mailbox') return MAILBOX_TITLE;
  if (data.page === 'sessions') return SESSIONS_TITLE;
  if (data.page === 'passkeys') return PASSKEYS_TITLE;
  return data.spec.title;
}

/** The document title for a page, e.g. `Log in · Baton`. */
export function pageTitle(data: PageData): string {
  return `${pageHeading(data)} · ${PRODUCT_NAME}`;
}
