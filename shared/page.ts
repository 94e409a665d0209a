/**
 * What the server tells the client about the page it rendered. It travels as JSON inside
 * `<script type="application/json" id="baton-page">` (inert, so a strict CSP allows it).
 */
import type { FieldErrors, FormName } from './protocol.ts';

export type FlashKind = 'info' | 'error';
export interface Flash {
  kind: FlashKind;
  text: string;
}

export interface FormError {
  code: string;
  message: string;
}

export type PageData =
  | {
      page: FormName;
      values: { email: string };
      errors: FieldErrors;
      formError: FormError | null;
      flash: Flash[];
    }
  | { page: 'account'; email: string; flash: Flash[] };

export const PAGE_DATA_ID = 'baton-page';

/**
 * Where a tab goes when this browser signed in in another tab. The flash of that sign-in
 * belongs to the tab that signed in: a page loaded from this address neither shows nor
 * clears it, so a quicker other tab cannot take it first.
 */
export const OTHER_TAB_QUERY = { name: 'from', value: 'other-tab' } as const;
export const ACCOUNT_FROM_OTHER_TAB = `/account?${OTHER_TAB_QUERY.name}=${OTHER_TAB_QUERY.value}`;
