/**
 * What an accepted form does: a typed change to the HTTP session, the flash the next page
 * shows, and the page to go to. The live socket seals it into a handoff (handoff/seal.ts)
 * and `/handoff` applies it (handoff/redeem.ts); the plain post applies it at once
 * (http/actions.ts). Neither path can express anything this type does not.
 */
import { FORMS } from '../../shared/forms.ts';
import {
  type Flash,
  type LinkPath,
  PASSKEYS_PATH,
  type PagePath,
  type ReturnPath,
  SESSIONS_PATH,
  TWO_FACTOR_PATH,
} from '../../shared/page.ts';
import { TOKEN_SHAPE } from '../tokens/tokens.ts';

/**
 * The change to this browser's session:
 * - `sign-in`: a new session for the account (a new session id), for a browser session or,
 *   with `remember`, for REMEMBER_DAYS. `credentialVersion` is the account's when the form
 *   was accepted: a handoff sealed before a password change or a deletion does not redeem.
 *   A browser new to the account gets the account a notice (session/new-device.ts), unless
 *   `signUp`: the account was made in it.
 * - `confirm`: the person proved who they are again; the session's time of last
 *   authentication moves to now (sudo mode counts from it). Same check of credentials.
 * - `sign-out`: this session ends and its live sockets close.
 * - `none`: the session stays as it is (a form that only saves something, or sends an email).
 * - `second-factor`: the password was right, but the account asks for an authentication
 *   code first: no session yet; this browser may give the code for the account, for a few
 *   minutes (session/pending-sign-in.ts), and its sign-in then carries these fields.
 */
export type SessionChange =
  | {
      kind: 'sign-in';
      accountId: string;
      credentialVersion: number;
      remember: boolean;
      /** Set by a sign-up only: its browser is filed as known without a new-device email. */
      signUp?: true;
    }
  | { kind: 'confirm'; accountId: string; credentialVersion: number }
  | { kind: 'sign-out' }
  | { kind: 'none' }
  | { kind: 'second-factor'; accountId: string; credentialVersion: number; remember: boolean };

/** A form that was accepted. */
export interface Accepted {
  ok: true;
  change: SessionChange;
  flash: Flash[];
  /**
   * One of Baton's own pages (`PAGE_PATHS`), never a value the client sent. After a
   * `sign-in` or a `confirm`, the page the person first asked for (when one is waiting, see
   * session/return-to.ts) takes its place.
   */
  destination: PagePath;
}

/**
 * Every page Baton serves: `/account`, its settings pages and each form's page. A form opened
 * from an emailed link has no page of its own at its action (only under `<action>/<token>`),
 * so none here.
 */
export const PAGE_PATHS: readonly PagePath[] = Object.freeze([
  '/account',
  SESSIONS_PATH,
  ...Object.values(FORMS)
    .filter((spec) => !spec.link)
    .map((spec) => spec.action),
  TWO_FACTOR_PATH,
  PASSKEYS_PATH,
]);

/** Whether `value` is exactly one of Baton's own page paths. */
export function isPagePath(value: unknown): value is PagePath {
  return typeof value === 'string' && (PAGE_PATHS as readonly string[]).includes(value);
}

/**
 * Whether `value` is the page of a link form that needs a sign-in, `<action>/<token>` with a
 * token's shape: a signed-out visitor of one comes back to it after signing in (the token
 * then travels sealed in the return cookie, as it already is in the browser's address bar).
 * A link form for signed-out visitors never needs to be returned to.
 */
export function isLinkPath(value: unknown): value is LinkPath {
  if (typeof value !== 'string') return false;
  return Object.values(FORMS).some(
    (spec) =>
      spec.link !== undefined &&
      spec.audience === 'signed-in' &&
      value.startsWith(`${spec.action}/`) &&
      TOKEN_SHAPE.test(value.slice(spec.action.length + 1)),
  );
}

/** Whether `value` is a page a sign-in may return to: one of Baton's pages, or a link's. */
export function isReturnPath(value: unknown): value is ReturnPath {
  return isPagePath(value) || isLinkPath(value);
}

/** A form's outcome named a destination that is not one of Baton's pages: a server bug. */
export class DestinationError extends Error {
  readonly code = 'outcome.destination';
  readonly expose = false;
  constructor(value: unknown) {
    super(
      `A form's destination must be one of Baton's own pages (${PAGE_PATHS.join(', ')}); got ${JSON.stringify(value)}`,
    );
    this.name = 'DestinationError';
  }
}

/** Returns `value` when it is one of Baton's own pages; throws a DestinationError otherwise. */
export function checkDestination(value: unknown): PagePath {
  if (!isPagePath(value)) throw new DestinationError(value);
  return value;
}
