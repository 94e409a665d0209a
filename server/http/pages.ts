/**
 * The page routes: each renders the whole page on the server (so it works without
 * JavaScript) and embeds the data the client needs to take it over.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { FORMS } from '../../shared/forms.ts';
import { type Flash, OTHER_TAB_QUERY, type PageData } from '../../shared/page.ts';
import type { FormName } from '../../shared/protocol.ts';
import type { RenderPage } from '../pages/pages.ts';
import type { BindingCookie } from '../session/binding.ts';
import type { FlashCookie } from '../session/flash.ts';
import { currentAccountId } from '../session/session.ts';
import type { Account, Store } from '../store/store.ts';
import { seeOther } from './see-other.ts';

export interface PageDeps {
  store: Store;
  binding: BindingCookie;
  flash: FlashCookie;
  /** Renders a page's document (see server/pages/pages.ts). */
  renderPage: RenderPage;
}

/** Sends a rendered page. Pages carry personal data and a fresh binding: never cached. */
export async function sendPage(
  ctx: Koa.Context,
  deps: PageDeps,
  data: PageData,
  status = 200,
): Promise<void> {
  const html = await deps.renderPage(data);
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

/** A form's page; a person the form is not for goes where they belong instead. */
function formPage(deps: PageDeps, page: FormName): Koa.Middleware {
  const forSignedIn = FORMS[page].audience === 'signed-in';
  return async (ctx) => {
    const signedIn = (await signedInAccount(ctx, deps.store)) !== null;
    if (signedIn !== forSignedIn) return seeOther(ctx, signedIn ? '/account' : '/login');
    await sendPage(ctx, deps, {
      page,
      values: { email: '' },
      errors: {},
      formError: null,
      flash: takeFlash(ctx, deps),
    });
  };
}

/** Adds `GET /`, a page for every form (`/login`, `/signup`, `/change-password`) and `/account`. */
export function addPageRoutes(router: Router, deps: PageDeps): void {
  router.get('/', async (ctx) => {
    seeOther(ctx, (await signedInAccount(ctx, deps.store)) ? '/account' : '/login');
  });
  for (const spec of Object.values(FORMS)) router.get(spec.action, formPage(deps, spec.name));
  router.get('/account', async (ctx) => {
    const account = await signedInAccount(ctx, deps.store);
    if (!account) return seeOther(ctx, '/login');
    await sendPage(ctx, deps, {
      page: 'account',
      email: account.email,
      flash: takeFlash(ctx, deps),
    });
  });
}
