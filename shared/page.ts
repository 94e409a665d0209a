/**
 * What the server tells the client about the page it rendered. It travels as JSON inside
 * `<script type="application/json" id="baton-page">` (inert, so a strict CSP allows it).
 */
import type { FieldErrors, FormName, SessionView } from './protocol.ts';

/**
 * How a flash reads: `info` for good news (signed in, saved), `error` for what went wrong,
 * `notice` for neutral news that is neither (a session that ended elsewhere, a page that
 * needs a sign-in first).
 */
export type FlashKind = 'info' | 'notice' | 'error';
export const FLASH_KINDS = ['info', 'notice', 'error'] as const satisfies readonly FlashKind[];
export interface Flash {
  kind: FlashKind;
  text: string;
}

export interface FormError {
  code: string;
  message: string;
}

/**
 * Where a form's page is and where it posts: `/<form name>`, or a path under `/account` for
 * the account's own forms (`/account/delete`).
 */
export type FormAction = `/${FormName}` | `/account/${string}`;

/**
 * The paths of Baton's own pages: the only places a form's outcome may send a person, and
 * the only pages a sign-in may return to (server/accounts/outcome.ts holds the list, and
 * checks every value against it).
 */
export type PagePath = '/account' | FormAction;

/** What every page carries for its header, whichever page it is. */
export interface PageCommon {
  /**
   * The signed-in account's email, or null when signed out. The server always sets it
   * (server/http/pages.ts sendPage); optional in the type only so page data written before
   * the header (client tests) still type-checks. Absent reads as signed out.
   */
  signedInEmail?: string | null;
}

export type PageData = PageCommon &
  (
    | {
        page: FormName;
        /** What the server writes back into a refused form: never a password. */
        values: { email: string; remember?: 'on' };
        errors: FieldErrors;
        formError: FormError | null;
        flash: Flash[];
        /**
         * A paragraph above the fields saying what the form does, for the few forms whose
         * title is not enough (server/http/pages.ts FORM_INTROS). It travels with the page
         * rather than in FORMS, which every form page's script carries.
         */
        intro?: string;
      }
    | { page: 'account'; email: string; flash: Flash[] }
    | { page: 'sessions'; sessions: SessionView[]; flash: Flash[] }
  );

export const PAGE_DATA_ID = 'baton-page';

/** The sessions page, and where its buttons post (`/sign-out`, `/sign-out-others` under it). */
export const SESSIONS_PATH = '/account/sessions';

/**
 * Where a tab goes when this browser signed in in another tab. The flash of that sign-in
 * belongs to the tab that signed in: a page loaded from this address neither shows nor
 * clears it, so a quicker other tab cannot take it first.
 */
export const OTHER_TAB_QUERY = { name: 'from', value: 'other-tab' } as const;
export const ACCOUNT_FROM_OTHER_TAB = `/account?${OTHER_TAB_QUERY.name}=${OTHER_TAB_QUERY.value}`;
