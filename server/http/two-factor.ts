/**
 * /account/two-factor: turning authenticator codes on and off, with plain forms that work
 * without JavaScript. Every route needs a signed-in person whose last authentication is
 * recent (sudo mode, SUDO_MINUTES); otherwise /login or /confirm-password first, and back.
 *
 * Turning it on is three steps: a post begins a setup (a new secret, pending), the page
 * shows it as a QR code and as text, and a post of a correct code turns it on; the answer to
 * that post, not a redirect, shows the recovery codes, so they are shown once and live in no
 * cookie or URL. Turning it off emails the account a notice.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import {
  type Flash,
  TWO_FACTOR_ACTIONS,
  TWO_FACTOR_PATH,
  type TwoFactorPageData,
} from '../../shared/page.ts';
import type { AccountMail } from '../mail/account-mail.ts';
import { authenticatedSince, type SessionFields } from '../session/session.ts';
import type { Account } from '../store/store.ts';
import { TWO_FACTOR_MESSAGES, type TwoFactor } from '../two-factor/two-factor.ts';
import { confirmFirst, logInFirst, type PageDeps, sendPage, signedInAccount } from './pages.ts';
import { seeOther } from './see-other.ts';

export interface TwoFactorPageDeps extends PageDeps {
  twoFactor: TwoFactor;
  mail: AccountMail;
}

export const TWO_FACTOR_ON: Flash = {
  kind: 'info',
  text: 'Two-factor authentication is on. Save your recovery codes now: they are shown only once.',
};
export const NEW_RECOVERY_CODES: Flash = {
  kind: 'info',
  text: 'Your new recovery codes are below; the old ones no longer work. They are shown only once.',
};
export const TWO_FACTOR_OFF: Flash = {
  kind: 'notice',
  text: 'Two-factor authentication is off. Signing in now needs only your password.',
};

/** What the page shows beside its data: a flash, the new codes, the refused code's error. */
interface Shown {
  flash: Flash[];
  recoveryCodes?: string[];
  codeError?: string;
}

/** Renders the page for `account` as it stands now, with what this request has to show. */
async function sendTwoFactorPage(
  ctx: Koa.Context,
  deps: TwoFactorPageDeps,
  account: Account,
  shown: Shown,
  status = 200,
): Promise<void> {
  const state = await deps.twoFactor.status(account.id);
  const setup = state.enabled ? null : await deps.twoFactor.pendingSetup(account);
  const data: TwoFactorPageData = {
    page: 'two-factor',
    enabled: state.enabled,
    enabledAt: state.enabledAt,
    recoveryCodesLeft: state.recoveryCodesLeft,
    setup: setup && { qrSvg: setup.qrSvg, secret: setup.secret },
    recoveryCodes: shown.recoveryCodes ?? null,
    codeError: shown.codeError ?? null,
    flash: shown.flash,
  };
  await sendPage(ctx, deps, { ...data, signedInEmail: account.email }, status);
}

/**
 * The signed-in account, when its session authenticated recently; otherwise the request is
 * answered (to /login or /confirm-password, back here afterwards) and null returned.
 */
async function recentAccount(ctx: Koa.Context, deps: TwoFactorPageDeps): Promise<Account | null> {
  const account = await signedInAccount(ctx, deps.store);
  if (!account) {
    logInFirst(ctx, deps, TWO_FACTOR_PATH);
    return null;
  }
  const now = (deps.now ?? Date.now)();
  if (!authenticatedSince(ctx.session as SessionFields, now, deps.sudoMs)) {
    confirmFirst(ctx, deps, TWO_FACTOR_PATH);
    return null;
  }
  return account;
}

function postedCode(ctx: Koa.Context): string {
  const value = (ctx.request as { body?: Record<string, unknown> }).body?.code;
  // Far longer than any code: not one, and not worth checking.
  return typeof value === 'string' && value.length <= 64 ? value : '';
}

/** Adds the page and its four posts. Bodies must be parsed before. */
export function addTwoFactorRoutes(router: Router, deps: TwoFactorPageDeps): void {
  router.get('two-factor', TWO_FACTOR_PATH, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (account) await sendTwoFactorPage(ctx, deps, account, { flash: deps.flash.take(ctx) });
  });

  router.post(TWO_FACTOR_ACTIONS.setup, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    const begun = await deps.twoFactor.beginSetup(account);
    if (!begun.ok) deps.flash.set(ctx, [{ kind: 'error', text: TWO_FACTOR_MESSAGES[begun.code] }]);
    seeOther(ctx, TWO_FACTOR_PATH);
  });

  router.post(TWO_FACTOR_ACTIONS.confirm, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    const code = postedCode(ctx);
    if (code.trim() === '') {
      const codeError = 'Enter the 6-digit code your app shows.';
      return sendTwoFactorPage(ctx, deps, account, { flash: [], codeError }, 422);
    }
    const confirmed = await deps.twoFactor.confirmSetup(account.id, code);
    if (!confirmed.ok) {
      const codeError = TWO_FACTOR_MESSAGES[confirmed.code];
      return sendTwoFactorPage(ctx, deps, account, { flash: [], codeError }, 422);
    }
    const { recoveryCodes } = confirmed;
    await sendTwoFactorPage(ctx, deps, account, { flash: [TWO_FACTOR_ON], recoveryCodes });
  });

  router.post(TWO_FACTOR_ACTIONS.recoveryCodes, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    const recoveryCodes = await deps.twoFactor.newRecoveryCodes(account.id);
    if (!recoveryCodes) return seeOther(ctx, TWO_FACTOR_PATH);
    await sendTwoFactorPage(ctx, deps, account, { flash: [NEW_RECOVERY_CODES], recoveryCodes });
  });

  router.post(TWO_FACTOR_ACTIONS.disable, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    if (await deps.twoFactor.disable(account.id)) {
      deps.mail.twoFactorDisabled(account.email);
      deps.flash.set(ctx, [TWO_FACTOR_OFF]);
    }
    seeOther(ctx, TWO_FACTOR_PATH);
  });
}
