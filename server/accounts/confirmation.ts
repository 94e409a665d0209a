/**
 * Confirming an account's email: the email with a `/confirm/<token>` link that sign-up and
 * the account page's "Resend confirmation email" send, and the `confirm` form that the link
 * opens ("Confirm my account"), a form handler like the others (forms.ts lists it), so the
 * live socket and the plain post run the same code.
 */
import { FORMS } from '../../shared/forms.ts';
import type { Flash, PagePath } from '../../shared/page.ts';
import type { Fields } from '../../shared/protocol.ts';
import { takeEmailAllowance } from '../limits/email-allowance.ts';
import type { Limited } from '../limits/limits.ts';
import type { Account } from '../store/store.ts';
import { consumeToken, issueToken } from '../tokens/tokens.ts';
import type { FormDeps, FormOutcome, Submitter } from './forms.ts';

/** What the page after a used confirmation link says. */
export const EMAIL_CONFIRMED: Flash = { kind: 'info', text: 'Your email is confirmed.' };

/** A dead confirmation link (unknown, used, expired, older than a password change, or for an address the account no longer has). */
export const CONFIRM_LINK_INVALID: Flash = {
  kind: 'error',
  text: FORMS.confirm.link?.invalid.text ?? '',
};

/**
 * Sends `account` the email with a link that confirms its address: the email allowance (per
 * address and per client IP) is taken first, and without one nothing is issued or sent.
 * Resolves null once the email is queued, else how long until one may go.
 */
export async function sendConfirmation(
  deps: FormDeps,
  account: Account,
  ip: string,
): Promise<Limited | null> {
  const wait = await takeEmailAllowance(deps.limiters, ip, account.email);
  if (wait) return wait;
  const { token } = await issueToken(
    deps.store.tokens,
    { purpose: 'confirm-email', account, email: account.email },
    deps.now,
  );
  deps.mail.confirmEmail(account.email, token);
  return null;
}

/**
 * Sends a new account its confirmation email. Over the email limits the sign-up still
 * succeeds and only the email stays unsent (the account page offers to send it later);
 * the log says so, with the account's id and never its address.
 */
export async function confirmNewAccount(
  deps: FormDeps,
  account: Account,
  who: Submitter,
): Promise<void> {
  const wait = await sendConfirmation(deps, account, who.ip);
  if (wait) {
    deps.logger.info(
      {
        code: 'confirm-email.limited',
        accountId: account.id,
        retryAfterSeconds: wait.retryAfterSeconds,
      },
      'confirmation email not sent: over the email limits',
    );
  }
}

/**
 * "Confirm my account" from a confirmation link (a POST, so a mail scanner that opens the
 * link uses nothing up): the token is used up in one store step, exactly once on any
 * instance, and the account's email is confirmed while it is still the address the link
 * went to. Nobody is signed in or out by it: the person lands on /account when this browser
 * is signed in, on /login otherwise.
 */
export async function confirmAccount(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const destination: PagePath = who.accountId ? '/account' : '/login';
  const used = await consumeToken(deps.store.tokens, fields.token, 'confirm-email');
  const at = (deps.now ?? Date.now)();
  const confirmed =
    used.ok && (await deps.store.accounts.confirmEmail(used.token.accountId, used.token.email, at));
  return {
    ok: true,
    change: { kind: 'none' },
    destination,
    flash: [confirmed ? EMAIL_CONFIRMED : CONFIRM_LINK_INVALID],
  };
}
