/**
 * The client's entries, one per page component: Vite builds each from
 * `client/entries/<entry>.tsx` into a script of its own, so a page loads only the code it
 * uses. The server picks a page's entry from its data.
 */
import type { PageData } from './page.ts';

// Entry names are Vite environment names: letters and digits only.
export const PAGE_ENTRIES = [
  'form',
  'account',
  'twofactor',
  'mailbox',
  'sessions',
  'passkeys',
] as const;
export type PageEntry = (typeof PAGE_ENTRIES)[number];

/** The entry's source, relative to the client root (`client/`), as Vite's manifest names it. */
export const entrySource = (entry: PageEntry): string => `entries/${entry}.tsx`;

/** The entry a page loads: every form page shares the form entry. */
export function pageEntry(page: PageData['page']): PageEntry {
  if (page === 'account' || page === 'mailbox' || page === 'sessions' || page === 'passkeys')
    return page;
  if (page === 'two-factor') return 'twofactor';
  return 'form';
}
