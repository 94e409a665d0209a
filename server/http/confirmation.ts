/**
 * The account page's "Resend confirmation email" (`POST /account/confirmation`): a plain form
 * that works with and without JavaScript, for a signed-in person whose email is not yet
 * confirmed. The email counts against the email limits, as every email asked for does.
 */
import type Router from '@koa/router';
import { type Flash, RESEND_CONFIRMATION_PATH } from '../../shared/page.ts';
import { sendConfirmation } from '../accounts/confirmation.ts';
import { type FormDeps, limited } from '../accounts/forms.ts';
import { logInFirst, type PageDeps, sendAccountPage, signedInAccount } from './pages.ts';
import { seeOther } from './see-other.ts';

export interface ConfirmationDeps extends PageDeps {
  forms: FormDeps;
}

/** What /account says once a new confirmation email is queued. */
export const CONFIRMATION_SENT: Flash = {
  kind: 'info',
  text: 'A new confirmation link is on its way. It works for 7 days.',
};

/** What /account says to a resend once the email is confirmed (in another tab, say). */
export const ALREADY_CONFIRMED: Flash = { kind: 'info', text: 'Your email is already confirmed.' };

/** Adds `POST /account/confirmation`. Bodies must be parsed before. */
export function addConfirmationRoutes(router: Router, deps: ConfirmationDeps): void {
  router.post(RESEND_CONFIRMATION_PATH, async (ctx) => {
    const account = await signedInAccount(ctx, deps.store);
    if (!account) return logInFirst(ctx, deps, '/account');
    if (account.emailConfirmedAt !== null) {
      deps.flash.set(ctx, [ALREADY_CONFIRMED]);
      return seeOther(ctx, '/account');
    }
    const wait = await sendConfirmation(deps.forms, account, ctx.ip);
    if (wait) {
      // Over a limit: 429 with Retry-After, the account page saying when to try again.
      ctx.set('Retry-After', String(wait.retryAfterSeconds));
      const { message } = limited(wait, 'emails asked for');
      return sendAccountPage(ctx, deps, account, [{ kind: 'error', text: message }], 429);
    }
    deps.flash.set(ctx, [CONFIRMATION_SENT]);
    seeOther(ctx, '/account');
  });
}
