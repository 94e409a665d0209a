/**
 * The page routes: each renders the whole page on the server (so it works without
 * JavaScript) and embeds the data the client needs to take it over.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { FORMS, type FormSpec } from '../../shared/forms.ts';
import { type Flash, OTHER_TAB_QUERY, type PageData, type ReturnPath } from '../../shared/page.ts';
import type { FormName } from '../../shared/protocol.ts';
import { isReturnPath } from '../accounts/outcome.ts';
import type { RenderPage } from '../pages/pages.ts';
import type { BindingCookie } from '../session/binding.ts';
import type { FlashCookie } from '../session/flash.ts';
import type { PendingSignIns } from '../session/pending-sign-in.ts';
import type { ReturnTo } from '../session/return-to.ts';
import { authenticatedSince, currentAccountId, type SessionFields } from '../session/session.ts';
import type { Account, Store, TokenRecord } from '../store/store.ts';
import { checkToken } from '../tokens/tokens.ts';
import { seeOther } from './see-other.ts';

export interface PageDeps {
  store: Store;
  binding: BindingCookie;
  flash: FlashCookie;
  /** The page a signed-out visitor asked for, to land on after signing in. */
  returnTo: ReturnTo;
  /** A sign-in waiting for its authentication code (the `signing-in` forms' visitors). */
  pendingSignIns: PendingSignIns;
  /** How recent an authentication a `recentAuth` page needs (SUDO_MINUTES), in ms. */
  sudoMs: number;
  /** The forms' descriptions (FORMS unless a test says otherwise). */
  specs?: Readonly<Record<FormName, FormSpec>>;
  /** Renders a page's document (see server/pages/pages.ts). */
  renderPage: RenderPage;
  /** The clock sudo mode and return paths are judged by (see BatonOptions.now). */
  now?: () => number;
}

/** What /login says to a signed-out visitor of a page that needs a sign-in. */
export const LOG_IN_FIRST: Flash = { kind: 'notice', text: 'You must log in to see that page.' };
/** What /confirm-password says to a visitor of a page that needs a recent authentication. */
export const CONFIRM_FIRST: Flash = {
  kind: 'notice',
  text: 'Confirm your password to continue.',
};

/**
 * Sends a rendered page. Pages carry personal data and a fresh binding: never cached.
 * Every page says who is signed in (for its header): the caller may pass it when it has
 * read the account already; otherwise it is read here. /confirm-password offers a passkey
 * when the signed-in account has one.
 */
export async function sendPage(
  ctx: Koa.Context,
  deps: PageDeps,
  data: PageData,
  status = 200,
): Promise<void> {
  const signedInEmail =
    data.signedInEmail !== undefined
      ? data.signedInEmail
      : ((await signedInAccount(ctx, deps.store))?.email ?? null);
  const offersPasskey = data.page === 'confirm-password' && (await hasPasskeys(ctx, deps.store));
  const html = await deps.renderPage({
    ...data,
    signedInEmail,
    ...(offersPasskey && { hasPasskeys: true as const }),
  });
  deps.binding.ensure(ctx);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = html;
}

/**
 * The flash this page shows (and so clears), unless the page was loaded by another tab
 * following a sign-in: that flash is for the tab that signed in.
 */
function takeFlash(ctx: Koa.Context, deps: PageDeps): Flash[] {
  if (ctx.query[OTHER_TAB_QUERY.name] === OTHER_TAB_QUERY.value) return [];
  return deps.flash.take(ctx);
}

/** The account signed in on this request, or null (also when it no longer exists). */
export async function signedInAccount(ctx: Koa.Context, store: Store): Promise<Account | null> {
  const id = currentAccountId(ctx);
  return id ? store.accounts.findById(id) : null;
}

/** Whether the signed-in account (if any) has a passkey to confirm itself with. */
async function hasPasskeys(ctx: Koa.Context, store: Store): Promise<boolean> {
  const id = currentAccountId(ctx);
  return id !== null && (await store.passkeys.listForAccount(id)).length > 0;
}

/**
 * Sends a signed-out visitor of a signed-in page to /login, to come back to `page` once
 * signed in (the path is sealed into a cookie, never put in the URL). The notice is left
 * out when this request already says why (the session it carried has ended), and a tab
 * following another tab's sign-in sets no cookie at all: it holds a cookie that sign-in
 * replaced, and the flash and return path it would set belong to the tab that signed in.
 */
export function logInFirst(ctx: Koa.Context, deps: PageDeps, page: ReturnPath): void {
  if (ctx.query[OTHER_TAB_QUERY.name] !== OTHER_TAB_QUERY.value) {
    deps.returnTo.set(ctx, page, (deps.now ?? Date.now)());
    if (deps.flash.queued(ctx).length === 0) deps.flash.set(ctx, [LOG_IN_FIRST]);
  }
  seeOther(ctx, '/login');
}

/** Sends a visitor whose last authentication is too old to /confirm-password, to come back to `page`. */
export function confirmFirst(ctx: Koa.Context, deps: PageDeps, page: ReturnPath): void {
  deps.returnTo.set(ctx, page, (deps.now ?? Date.now)());
  deps.flash.set(ctx, [CONFIRM_FIRST]);
  seeOther(ctx, FORMS['confirm-password'].action);
}

/** What /login says to a visitor of the code step with no sign-in waiting for a code. */
export const SIGN_IN_FIRST: Flash = {
  kind: 'notice',
  text: 'Log in with your email and password first.',
};

/**
 * What a link form's page says above its button, from the link's own record, in place of
 * the form's `intro`: shown only to the person the link is for (a `signed-in` link form
 * shows only to its own account).
 */
const LINK_INTROS: Readonly<Partial<Record<FormName, (token: TokenRecord) => string>>> = {
  'confirm-email': (token) =>
    `Your account's email becomes ${token.email}: you will log in with it, and emails about your account will go there.`,
};

/** A form's page; a person the form is not for goes where they belong instead. */
function formPage(deps: PageDeps, page: FormName): Koa.Middleware {
  const spec = (deps.specs ?? FORMS)[page];
  const forSignedOut = spec.audience === 'signed-out' || spec.audience === 'signing-in';
  return async (ctx) => {
    const account = await signedInAccount(ctx, deps.store);
    if (spec.audience === 'signed-in' && !account) return logInFirst(ctx, deps, spec.action);
    if (forSignedOut && account) return seeOther(ctx, '/account');
    const now = (deps.now ?? Date.now)();
    if (
      spec.audience === 'signing-in' &&
      !deps.pendingSignIns.read(ctx, deps.binding.read(ctx), now)
    ) {
      if (deps.flash.queued(ctx).length === 0) deps.flash.set(ctx, [SIGN_IN_FIRST]);
      return seeOther(ctx, '/login');
    }
    if (spec.recentAuth && !authenticatedSince(ctx.session as SessionFields, now, deps.sudoMs))
      return confirmFirst(ctx, deps, spec.action);
    await sendPage(ctx, deps, {
      page,
      spec,
      values: { email: '' },
      errors: {},
      formError: null,
      flash: takeFlash(ctx, deps),
      signedInEmail: account?.email ?? null,
    });
  };
}

/**
 * Where a signed-in form's page is: its action, or for a form opened from a link, the link's
 * own page (when `token` has a token's shape; else the page that asks for a new link).
 */
export function formPagePath(spec: FormSpec, token: string | undefined): ReturnPath {
  if (!spec.link) return spec.action;
  const path = `${spec.action}/${token ?? ''}`;
  return isReturnPath(path) ? path : spec.link.invalid.to;
}

/**
 * The page of a form opened from an emailed link, `<action>/<token>`: shown while the token
 * is good for its purpose (looked at, not used), else the person goes to ask for a new link
 * with the form's message. The token goes into the page (the form posts to this same path,
 * and the live form sends it with its submit); the page's `Referrer-Policy: same-origin`
 * keeps this URL from other sites. A `signed-in` link form (confirming a new email) asks a
 * signed-out visitor to log in first and comes back here; a token of another account than
 * the one signed in is dead here, as for phx.gen.auth.
 */
function linkPage(deps: PageDeps, page: FormName): Koa.Middleware {
  const spec = (deps.specs ?? FORMS)[page];
  const link = spec.link;
  if (!link) throw new TypeError(`the form ${page} is not opened from a link (it has no \`link\`)`);
  return async (ctx) => {
    const account = await signedInAccount(ctx, deps.store);
    if (spec.audience === 'signed-out' && account) return seeOther(ctx, '/account');
    const token = String(ctx.params.token);
    if (spec.audience === 'signed-in' && !account)
      return logInFirst(ctx, deps, formPagePath(spec, token));
    const looked = await checkToken(deps.store.tokens, token, link.purpose);
    const ownsIt =
      spec.audience !== 'signed-in' || (looked.ok && looked.token.accountId === account?.id);
    if (!looked.ok || !ownsIt) {
      deps.flash.set(ctx, [{ kind: 'error', text: link.invalid.text }]);
      return seeOther(ctx, link.invalid.to);
    }
    // A link's own words (the address an email change moves to); else the form's spec says it.
    const intro = LINK_INTROS[page]?.(looked.token);
    await sendPage(ctx, deps, {
      page,
      spec,
      values: { email: '' },
      errors: {},
      formError: null,
      flash: takeFlash(ctx, deps),
      signedInEmail: account?.email ?? null,
      token,
      ...(intro && { intro }),
    });
  };
}

/** The account page of `account`, showing `flash`. */
export function sendAccountPage(
  ctx: Koa.Context,
  deps: PageDeps,
  account: Account,
  flash: Flash[],
  status = 200,
): Promise<void> {
  const data: PageData = {
    page: 'account',
    email: account.email,
    emailConfirmed: account.emailConfirmedAt !== null,
    flash,
    signedInEmail: account.email,
  };
  return sendPage(ctx, deps, data, status);
}

/** The path of a link form's page and plain post, with its token as the router's `:token`. */
export const linkRoute = (spec: FormSpec): string => `${spec.action}/:token`;

/** Adds `GET /`, a page for every form (`/login`, `/signup`, `/change-password`, …) and `/account`. */
export function addPageRoutes(router: Router, deps: PageDeps): void {
  router.get('/', async (ctx) => {
    seeOther(ctx, (await signedInAccount(ctx, deps.store)) ? '/account' : '/login');
  });
  for (const spec of Object.values(deps.specs ?? FORMS)) {
    // Each named by the page it renders (see route-list.ts).
    if (spec.link) router.get(spec.name, linkRoute(spec), linkPage(deps, spec.name));
    else router.get(spec.name, spec.action, formPage(deps, spec.name));
  }
  router.get('account', '/account', async (ctx) => {
    const account = await signedInAccount(ctx, deps.store);
    if (!account) return logInFirst(ctx, deps, '/account');
    await sendAccountPage(ctx, deps, account, takeFlash(ctx, deps));
  });
}
