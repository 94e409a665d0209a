/**
 * Changing the signed-in account's email: asking for it (`change-email`: the new address
 * and the current password), which mails a link to the new address, and using that link
 * (`confirm-email`, a "Confirm new email" button at /confirm-email/<token>), which moves the
 * account there. Both are form handlers (forms.ts lists them), so the live socket and the
 * plain post run the same code.
 *
 * `change-email` needs sudo (`recentAuth`), as every sensitive action does (issue 16 names
 * it), and asks for the current password too (CONTRACT's fields): the page opens only after
 * a recent proof, and the move needs the password, checked through the same gate and limits
 * as a sign-in, so a session left open in sudo still cannot move the account. The link
 * needs the person signed in to its own account (as phx.gen.auth does): a link forwarded,
 * or read by whoever holds the new inbox, moves nothing by itself.
 */
import { normalizeEmail } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import type { Fields } from '../../shared/protocol.ts';
import { takeEmailAllowance } from '../limits/email-allowance.ts';
import { announceEnded } from '../session/ended.ts';
import type { SessionFields } from '../session/session.ts';
import type { Account } from '../store/store.ts';
import { checkToken, consumeToken, issueToken } from '../tokens/tokens.ts';
import {
  AUTH_REQUIRED,
  checkOwnPassword,
  type FormDeps,
  type FormOutcome,
  limited,
  type Refused,
  type Submitter,
  submitterAccount,
  withPass,
} from './forms.ts';
import type { Accepted } from './outcome.ts';

/** What /change-email says after every accepted request, whether or not the address is free. */
export const EMAIL_CHANGE_SENT: Flash = {
  kind: 'info',
  text: 'A link to confirm your new email is on its way.',
};

/** What /account says once, after the link moved the account. */
export const EMAIL_CHANGED: Flash = { kind: 'info', text: 'Your email was changed.' };

/** A dead link (unknown, used, expired, another account's, or older than the last credential change). */
export const EMAIL_CHANGE_LINK_INVALID: Flash = {
  kind: 'error',
  text: 'That email change link is invalid or has expired.',
};

/**
 * The link was good, but another account took the address since it was mailed. Only the
 * holder of that inbox ever sees this, and they could learn it by asking for a reset link.
 */
export const EMAIL_TAKEN_SINCE: Flash = {
  kind: 'error',
  text: 'Another account now has that email, so yours was not changed.',
};

const SAME_EMAIL: Refused = {
  ok: false,
  code: 'form.invalid',
  message: 'Check the highlighted fields and try again.',
  errors: { email: 'This is already your email. Enter the new one.' },
};

/** The account a token is filed under when its address is taken: no account has this id. */
const NOBODY: Pick<Account, 'id' | 'credentialVersion'> = Object.freeze({
  id: '',
  credentialVersion: -1,
});

const back = (flash: Flash): Accepted => ({
  ok: true,
  change: { kind: 'none' },
  destination: '/change-email',
  flash: [flash],
});

/**
 * Asks to move the signed-in account to `fields.email`. The current password is checked
 * under the sign-in gate and limits (counted before it is checked; a wrong one is a failed
 * sign-in). Then the email allowance of the new address and the client IP is taken, and a
 * token is filed either way: for the account when no account has the address, else a decoy
 * filed under no account, dead from the start, never mailed. Only the first is mailed, to
 * the new address. The answer is the same in both cases, so this form tells nobody which
 * addresses have accounts.
 *
 * Nothing goes to an address that already has an account: a note there ("someone tried to
 * move an account to your address") would be an email its owner never asked for, sent on a
 * stranger's word, and would tell that owner nothing they can act on.
 */
export async function requestEmailChange(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const account = await submitterAccount(deps, who);
  if (!account) return AUTH_REQUIRED;
  const email = normalizeEmail(fields.email);
  if (email === account.email) return SAME_EMAIL;
  const checked = await withPass(deps, who, account.email, (pass) =>
    checkOwnPassword(deps, account, fields.password, who, pass),
  );
  if (!checked.ok) return checked;
  const wait = await takeEmailAllowance(deps.limiters, who.ip, email);
  if (wait) return limited(wait, 'emails asked for');
  const owner = await deps.store.accounts.findByEmail(email);
  const { token } = await issueToken(
    deps.store.tokens,
    owner
      ? { purpose: 'change-email', account: NOBODY, email: '' }
      : { purpose: 'change-email', account: checked.account, email },
    deps.now,
  );
  if (!owner) deps.mail.emailChange(email, token);
  return back(EMAIL_CHANGE_SENT);
}

/**
 * Moves the signed-in account to the address its link was mailed to. The link must be this
 * account's (another account's is dead here, and is left unused); it is used up in one
 * store step, exactly once on any instance; then one more store step moves the account and
 * confirms the new address, only at the credential version the link was issued under and
 * only while no account has the address. The version moves on, so every other link and every handoff sealed before
 * dies; the account's other sessions end, with their sockets, on every instance (whoever
 * asked for the change from there is no longer trusted with the account); the old address
 * is told; and this browser stays signed in under a new session id.
 */
export async function confirmEmailChange(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const accountId = who.accountId;
  if (!accountId) return AUTH_REQUIRED;
  const looked = await checkToken(deps.store.tokens, fields.token, 'change-email');
  if (!looked.ok || looked.token.accountId !== accountId) return back(EMAIL_CHANGE_LINK_INVALID);
  const used = await consumeToken(deps.store.tokens, fields.token, 'change-email');
  if (!used.ok) return back(EMAIL_CHANGE_LINK_INVALID);
  const { email, credentialVersion } = used.token;
  // The link reached the new address, so the same step confirms that address as well.
  const changed = await deps.store.accounts.changeEmail(
    accountId,
    credentialVersion,
    email,
    (deps.now ?? Date.now)(),
  );
  if (!changed.ok) {
    return back(changed.reason === 'taken' ? EMAIL_TAKEN_SINCE : EMAIL_CHANGE_LINK_INVALID);
  }
  // The new session lasts as the one it replaces did ("Remember me" or not).
  const current = who.sessionRef ? await deps.store.sessions.get(who.sessionRef) : null;
  const remember = (current as SessionFields | null)?.remember === true;
  const ended = await deps.store.sessions.destroyForAccount(accountId, who.sessionRef);
  await announceEnded(deps.store.sessions, deps.events, ended, 'revoked', 'email-changed');
  deps.mail.emailChanged(changed.previousEmail, email);
  return {
    ok: true,
    change: {
      kind: 'sign-in',
      accountId,
      credentialVersion: changed.credentialVersion,
      remember,
    },
    destination: '/account',
    flash: [EMAIL_CHANGED],
  };
}
