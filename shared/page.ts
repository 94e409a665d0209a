/**
 * What the server tells the client about the page it rendered. It travels as JSON inside
 * `<script type="application/json" id="baton-page">` (inert, so a strict CSP allows it).
 */
import type { FormSpec } from './forms.ts';
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
export type PagePath = '/account' | FormAction | typeof TWO_FACTOR_PATH | typeof PASSKEYS_PATH;
/**
 * The page of a form opened from an emailed link, `<action>/<token>`: a page a sign-in may
 * return to (server/accounts/outcome.ts `isLinkPath` checks it), never a form's destination.
 */
export type LinkPath = `${FormAction}/${string}`;
/** Where a sign-in or a confirmation may return a person: one of Baton's pages, or a link's. */
export type ReturnPath = PagePath | LinkPath;
/** The authenticator-app settings page (issue 17). */
export const TWO_FACTOR_PATH = '/account/two-factor';

/**
 * Where the two-factor page's forms post (plain forms: server/http/two-factor.ts), under
 * TWO_FACTOR_PATH. Written out rather than built from it, and `@__PURE__`: the bundler would
 * otherwise keep the call and the templates in every page's script, used or not.
 */
export const TWO_FACTOR_ACTIONS = /* @__PURE__ */ Object.freeze({
  setup: '/account/two-factor/setup',
  confirm: '/account/two-factor/confirm',
  recoveryCodes: '/account/two-factor/recovery-codes',
  disable: '/account/two-factor/disable',
} as const);

/** The passkeys page (issue 17): list, add, rename and remove the account's passkeys. */
export const PASSKEYS_PATH = '/account/passkeys';

/** Where the passkeys page's plain forms post (server/http/passkeys-page.ts). */
export const PASSKEYS_ACTIONS = Object.freeze({
  rename: `${PASSKEYS_PATH}/rename`,
  remove: `${PASSKEYS_PATH}/remove`,
} as const);

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
        /**
         * The form's description, sent with its page, so a page's script carries no other
         * form's (each form added to shared/forms.ts would otherwise weigh on every page).
         */
        spec: FormSpec;
        /** What the server writes back into a refused form: never a password. */
        values: { email: string; remember?: 'on' };
        errors: FieldErrors;
        formError: FormError | null;
        flash: Flash[];
        /**
         * What a link form's page says above its button from the link's own record (the
         * address an email change moves to: server/http/pages.ts LINK_INTROS), in place of
         * the form's own `spec.intro`.
         */
        intro?: string;
        /** The token of the emailed link a `link` form's page was opened from (its path's last part). */
        token?: string;
        /**
         * /confirm-password for an account with passkeys: "Use a passkey instead" is offered
         * (server/live/passkey-ceremonies.ts, the `confirm` ceremony).
         */
        hasPasskeys?: true;
      }
    | {
        page: 'account';
        email: string;
        /** Whether the email is confirmed; until it is, the page offers to send the link again. */
        emailConfirmed: boolean;
        flash: Flash[];
      }
    | { page: 'sessions'; sessions: SessionView[]; flash: Flash[] }
    | TwoFactorPageData
    | { page: 'mailbox'; emails: MailboxView[]; flash: Flash[] }
    | PasskeysPageData
  );

/**
 * /account/two-factor: whether an authenticator app is on, the setup in progress (its QR
 * code and secret) while it is off, and the recovery codes, once, right after turning it on.
 */
export interface TwoFactorPageData extends PageCommon {
  page: 'two-factor';
  enabled: boolean;
  /** When it was turned on (ms since the epoch); null while off. */
  enabledAt: number | null;
  recoveryCodesLeft: number;
  /** A setup begun and not yet confirmed: the QR code (an SVG safe to inline) and the secret. */
  setup: { qrSvg: string; secret: string } | null;
  /** The new recovery codes: only in the answer to the post that turned it on. */
  recoveryCodes: string[] | null;
  /** The setup's code field's error, if the last code was refused. */
  codeError: string | null;
  flash: Flash[];
}

/** One passkey as the passkeys page lists it: nothing of its key. Times: ms since the epoch. */
export interface PasskeyView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/**
 * /account/passkeys: the account's passkeys, and whether this address can have any (an
 * origin reached by IP address cannot: server/passkeys/relying-party.ts).
 */
export interface PasskeysPageData extends PageCommon {
  page: 'passkeys';
  passkeys: PasskeyView[];
  available: boolean;
  flash: Flash[];
}

/**
 * An email as the dev mailbox page lists it (/dev/mailbox): its text part, read with its
 * links made clickable; the HTML part opens on a page of its own (/dev/mailbox/<id>).
 */
export interface MailboxView {
  id: string;
  to: string;
  subject: string;
  text: string;
  /** ISO 8601. */
  sentAt: string;
}

export const PAGE_DATA_ID = 'baton-page';

/** Where the account page's "Resend confirmation email" posts (server/http/confirmation.ts). */
export const RESEND_CONFIRMATION_PATH = '/account/confirmation';

/** The sessions page, and where its buttons post (`/sign-out`, `/sign-out-others` under it). */
export const SESSIONS_PATH = '/account/sessions';

/**
 * Where a tab goes when this browser signed in in another tab. The flash of that sign-in
 * belongs to the tab that signed in: a page loaded from this address neither shows nor
 * clears it, so a quicker other tab cannot take it first.
 */
export const OTHER_TAB_QUERY = { name: 'from', value: 'other-tab' } as const;
/**
 * `/account` with OTHER_TAB_QUERY. Written out rather than built from it: every page's script
 * carries this, and the query's object only the server uses (a test holds the two together).
 */
export const ACCOUNT_FROM_OTHER_TAB = '/account?from=other-tab';
