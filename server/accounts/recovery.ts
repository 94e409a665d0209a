/**
 * Getting into an account by email: asking for a reset link (`forgot-password`) and
 * choosing a new password from it (`reset-password`), asking for a sign-in link
 * (`login-link`) and logging in with it (`use-login-link`). All are form handlers
 * (forms.ts lists them), so the live socket and the plain post run the same code.
 */
import { FORMS, normalizeEmail } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import type { Fields } from '../../shared/protocol.ts';
import { takeEmailAllowance } from '../limits/email-allowance.ts';
import { forget } from '../limits/limits.ts';
import { announceEnded } from '../session/ended.ts';
import type { Account } from '../store/store.ts';
import { checkToken, consumeToken, issueToken } from '../tokens/tokens.ts';
import {
  codeFirst,
  type FormDeps,
  type FormOutcome,
  limited,
  type Submitter,
  WELCOME_BACK,
  withPass,
} from './forms.ts';
import type { Accepted } from './outcome.ts';

/** What /forgot-password says after every request, whether or not the address has an account. */
export const RESET_LINK_SENT: Flash = {
  kind: 'info',
  text: 'If that email has an account, a link to reset its password is on its way.',
};

/** What /login-link says after every request, whether or not the address has an account. */
export const LOGIN_LINK_SENT: Flash = {
  kind: 'info',
  text: 'If that email has an account, a sign-in link is on its way.',
};

/** What /account says once, after a reset. */
export const PASSWORD_RESET: Flash = { kind: 'info', text: 'Your password was reset.' };

const RESET = FORMS['reset-password'];

/** A dead reset link (unknown, used, expired, or older than the last password change). */
export const RESET_LINK_INVALID: Flash = { kind: 'error', text: RESET.link?.invalid.text ?? '' };

/**
 * The account a token is filed under when an address has none: no account has this id, so
 * the token is dead from the start (`stale`), and it is never mailed to anyone.
 */
const NOBODY: Pick<Account, 'id' | 'credentialVersion'> = Object.freeze({
  id: '',
  credentialVersion: -1,
});

/** What a request for a link needs to know: which link, how to mail it, what to answer. */
interface LinkRequest {
  purpose: 'reset-password' | 'login-link';
  mail(deps: FormDeps, to: string, token: string): void;
  /** The form's own page, where the answer shows. */
  page: '/forgot-password' | '/login-link';
  sent: Flash;
}

/**
 * Asks for a link by email. The email allowance (per address and per client IP) is taken
 * first, before the address is looked up, so the limit counts an address with no account
 * exactly as one with an account. Then a token is drawn and filed either way (one store
 * write, the same work in both cases, so the time taken tells nothing); only an account's
 * is mailed. The answer is the same in every case but "too many".
 */
async function requestLink(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
  request: LinkRequest,
): Promise<FormOutcome> {
  const email = normalizeEmail(fields.email);
  const wait = await takeEmailAllowance(deps.limiters, who.ip, email);
  if (wait) return limited(wait, 'emails asked for');
  const account = await deps.store.accounts.findByEmail(email);
  const { token } = await issueToken(
    deps.store.tokens,
    account
      ? { purpose: request.purpose, account, email: account.email }
      : { purpose: request.purpose, account: NOBODY, email: '' },
    deps.now,
  );
  if (account) request.mail(deps, account.email, token);
  return { ok: true, change: { kind: 'none' }, destination: request.page, flash: [request.sent] };
}

/** Asks for a reset link (`/forgot-password`). */
export function forgotPassword(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  return requestLink(deps, fields, who, {
    purpose: 'reset-password',
    mail: (deps, to, token) => deps.mail.passwordReset(to, token),
    page: '/forgot-password',
    sent: RESET_LINK_SENT,
  });
}

/** Asks for a sign-in link (`/login-link`). */
export function requestLoginLink(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  return requestLink(deps, fields, who, {
    purpose: 'login-link',
    mail: (deps, to, token) => deps.mail.loginLink(to, token),
    page: '/login-link',
    sent: LOGIN_LINK_SENT,
  });
}

/**
 * Whether a sign-in to the account must wait for an authentication code: the same rule as
 * a password sign-in, so an emailed link is no way around the account's second factor.
 */
async function waitsForCode(deps: FormDeps, accountId: string): Promise<boolean> {
  return (await deps.twoFactor.status(accountId)).enabled;
}

/**
 * Signs in from a sign-in link's "Log me in" (a POST, so a mail scanner that opens the link
 * uses nothing up): the token is used up in one store step, exactly once on any instance,
 * the address it was sent to is confirmed (the link proves it), and this browser is signed
 * in to its account, at the account's credential version then (a handoff sealed now dies
 * with a password change, as any). An account with authenticator codes on waits for one
 * first (`codeFirst`), as after its password; its failed sign-ins are cleared only once the
 * code is right, so a link buys no fresh guesses at the code.
 */
export async function useLoginLink(
  deps: FormDeps,
  fields: Required<Fields>,
  _who: Submitter,
): Promise<FormOutcome> {
  const used = await consumeToken(deps.store.tokens, fields.token, 'login-link');
  const account = used.ok ? await deps.store.accounts.findById(used.token.accountId) : null;
  if (!used.ok || !account || account.credentialVersion !== used.token.credentialVersion) {
    return LOGIN_LINK_DEAD;
  }
  await deps.store.accounts.confirmEmail(account.id, used.token.email, (deps.now ?? Date.now)());
  const accepted: Accepted = {
    ok: true,
    change: {
      kind: 'sign-in',
      accountId: account.id,
      credentialVersion: account.credentialVersion,
      remember: false,
    },
    destination: '/account',
    flash: [WELCOME_BACK],
  };
  if (await waitsForCode(deps, account.id)) return codeFirst(accepted);
  await forget(deps.limiters.loginFailsPerAccount, account.email);
  return accepted;
}

/** A dead sign-in link (unknown, used, expired, or older than the last password change). */
const LOGIN_LINK_DEAD: Accepted = {
  ok: true,
  change: { kind: 'none' },
  destination: '/login-link',
  flash: [{ kind: 'error', text: FORMS['use-login-link'].link?.invalid.text ?? '' }],
};

/** Where a dead link sends the person: to ask for a new one, as opening it would. */
const INVALID_LINK: Accepted = {
  ok: true,
  change: { kind: 'none' },
  destination: '/forgot-password',
  flash: [RESET_LINK_INVALID],
};

/**
 * Sets a new password from a reset link. The token is used up in one store step (exactly
 * one submit of it succeeds, on any instance); the new password replaces the old one and
 * moves the credential version on, so every other emailed token and every handoff sealed
 * before now dies; every session of the account ends, on every instance, with its
 * sockets; the account is told by email; and this browser is signed in, its failed
 * sign-ins forgotten (a reset unlocks an account locked by guessing). An account with
 * authenticator codes on waits for one before that sign-in, as after a password: the reset
 * itself has happened, and its failed sign-ins clear only once the code is right.
 */
export async function resetPassword(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  // Looked at first, without using it: a dead link costs no password hash.
  const looked = await checkToken(deps.store.tokens, fields.token, 'reset-password');
  if (!looked.ok) return INVALID_LINK;
  const { accountId, email } = looked.token;
  return withPass(deps, who, email, async (pass) => {
    const hash = await pass.run(() => deps.hasher.hash(fields.newPassword));
    const used = await consumeToken(deps.store.tokens, fields.token, 'reset-password');
    if (!used.ok) return INVALID_LINK;
    const credentialVersion = await deps.store.accounts.changePassword(accountId, hash);
    if (credentialVersion === null) return INVALID_LINK;
    const ended = await deps.store.sessions.destroyForAccount(accountId, null);
    await announceEnded(deps.store.sessions, deps.events, ended, 'revoked');
    deps.mail.passwordChanged(email);
    const accepted: Accepted = {
      ok: true,
      change: { kind: 'sign-in', accountId, credentialVersion, remember: false },
      destination: '/account',
      flash: [PASSWORD_RESET],
    };
    if (await waitsForCode(deps, accountId)) return codeFirst(accepted, [PASSWORD_RESET]);
    await forget(deps.limiters.loginFailsPerAccount, email);
    return accepted;
  });
}
