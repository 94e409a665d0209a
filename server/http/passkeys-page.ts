/**
 * /account/passkeys: the account's passkeys (name, added, last used), with "Rename" and
 * "Remove" as plain posts that work without JavaScript; removing one emails the account. Adding one is a WebAuthn ceremony,
 * which only a browser running the page's script can do: it goes over the live socket
 * (server/live/passkey-ceremonies.ts). The page and both posts need a signed-in person whose
 * last authentication is recent (sudo mode, SUDO_MINUTES); otherwise /login or
 * /confirm-password first, and back.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { type Flash, PASSKEYS_ACTIONS, PASSKEYS_PATH } from '../../shared/page.ts';
import type { AccountMail } from '../mail/account-mail.ts';
import { PASSKEY_MESSAGES } from '../passkeys/context.ts';
import type { Passkeys } from '../passkeys/passkeys.ts';
import { authenticatedSince, type SessionFields } from '../session/session.ts';
import type { Account } from '../store/store.ts';
import { confirmFirst, logInFirst, type PageDeps, sendPage, signedInAccount } from './pages.ts';
import { seeOther } from './see-other.ts';

export interface PasskeysPageDeps extends PageDeps {
  passkeys: Passkeys;
  /** Emails the account when one of its passkeys is removed. */
  mail: AccountMail;
}

export const passkeyRenamed = (name: string): Flash => ({
  kind: 'info',
  text: `Passkey renamed to “${name}”.`,
});
export const passkeyRemoved = (name: string): Flash => ({
  kind: 'info',
  text: `Passkey “${name}” removed. It no longer signs you in.`,
});
const NOT_FOUND: Flash = { kind: 'error', text: PASSKEY_MESSAGES['passkey.not-found'] };

/**
 * The signed-in account, when its session authenticated recently; otherwise the request is
 * answered (to /login or /confirm-password, back here afterwards) and null returned.
 */
async function recentAccount(ctx: Koa.Context, deps: PasskeysPageDeps): Promise<Account | null> {
  const account = await signedInAccount(ctx, deps.store);
  if (!account) {
    logInFirst(ctx, deps, PASSKEYS_PATH);
    return null;
  }
  const now = (deps.now ?? Date.now)();
  if (!authenticatedSince(ctx.session as SessionFields, now, deps.sudoMs)) {
    confirmFirst(ctx, deps, PASSKEYS_PATH);
    return null;
  }
  return account;
}

/** A posted text field, or '' when absent or far longer than any value it can hold. */
function posted(ctx: Koa.Context, name: string, maxLength: number): string {
  const value = (ctx.request as { body?: Record<string, unknown> }).body?.[name];
  return typeof value === 'string' && value.length <= maxLength ? value : '';
}

/** Longest credential id (base64url) and name a post may carry; longer is refused unread. */
const MAX_ID_CHARS = 1364;
const MAX_NAME_CHARS = 200;

/** Adds the page and its two posts. Bodies must be parsed before. */
export function addPasskeysRoutes(router: Router, deps: PasskeysPageDeps): void {
  router.get('passkeys', PASSKEYS_PATH, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    await sendPage(ctx, deps, {
      page: 'passkeys',
      passkeys: await deps.passkeys.list(account.id),
      available: deps.passkeys.relyingParty() !== null,
      flash: deps.flash.take(ctx),
      signedInEmail: account.email,
    });
  });

  router.post(PASSKEYS_ACTIONS.rename, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    const id = posted(ctx, 'id', MAX_ID_CHARS);
    const renamed = await deps.passkeys.rename(account.id, id, posted(ctx, 'name', MAX_NAME_CHARS));
    if (renamed.ok) {
      const [passkey] = (await deps.passkeys.list(account.id)).filter((each) => each.id === id);
      deps.flash.set(ctx, [passkeyRenamed(passkey?.name ?? '')]);
    } else {
      deps.flash.set(ctx, [{ kind: 'error', text: PASSKEY_MESSAGES[renamed.code] }]);
    }
    seeOther(ctx, PASSKEYS_PATH);
  });

  router.post(PASSKEYS_ACTIONS.remove, async (ctx) => {
    const account = await recentAccount(ctx, deps);
    if (!account) return;
    const id = posted(ctx, 'id', MAX_ID_CHARS);
    const [passkey] = (await deps.passkeys.list(account.id)).filter((each) => each.id === id);
    const removed = passkey !== undefined && (await deps.passkeys.remove(account.id, id));
    // Queued once removed, so the redirect does not wait for the mail.
    if (removed) deps.mail.passkeyRemoved(account.email, passkey.name);
    deps.flash.set(ctx, [removed ? passkeyRemoved(passkey.name) : NOT_FOUND]);
    seeOther(ctx, PASSKEYS_PATH);
  });
}
