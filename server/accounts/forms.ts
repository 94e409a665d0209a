/**
 * What happens when a person submits a form: one handler per form, shared by the live
 * socket and the plain HTTP post, so the two paths cannot drift apart.
 */
import { FORMS, normalizeEmail } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import type { FieldErrors, Fields, FormName } from '../../shared/protocol.ts';
import { describeWait, forget, type Limiters, peek, take } from '../limits/limits.ts';
import type { SessionEvents } from '../session/events.ts';
import type { Account, Store } from '../store/store.ts';
import { hashPassword, needsRehash, type ScryptParams, verifyPassword } from './password.ts';
import { checkFormFields } from './rules.ts';

export interface FormDeps {
  store: Store;
  scrypt: ScryptParams;
  /** A hash of a password nobody has, verified when the email is unknown so both cases take equal time. */
  decoyHash: string;
  limiters: Limiters;
  /** Where ended sessions are announced, so every instance closes their sockets. */
  events: SessionEvents;
}

/** Who is submitting. */
export interface Submitter {
  /** The client IP the limits count against. */
  ip: string;
  /** The account signed in where the form was sent (the page's session, or the socket's), if any. */
  accountId: string | null;
  /** That session's ref: the one session a password change leaves signed in. */
  sessionRef: string | null;
}

/** A form that was accepted: who to sign in, where to send them, what to tell them. */
export interface Accepted {
  ok: true;
  accountId: string;
  /** The account's credential version the form was accepted under (sealed into a handoff). */
  credentialVersion: number;
  destination: '/account';
  flash: Flash[];
}

export interface Refused {
  ok: false;
  code:
    | 'form.invalid'
    | 'account.bad-credentials'
    | 'account.email-taken'
    | 'account.wrong-password'
    | 'auth.required'
    | 'rate.limited';
  message: string;
  errors: FieldErrors;
  /** Set with `rate.limited`: seconds until trying again can succeed. */
  retryAfterSeconds?: number;
}

export type FormOutcome = Accepted | Refused;

const INVALID = 'Check the highlighted fields and try again.';
// One message for an unknown email and a wrong password, so neither reveals which it was.
const BAD_CREDENTIALS = 'That email and password do not match an account.';

export const WELCOME_BACK: Flash = { kind: 'info', text: 'Welcome back! You are signed in.' };
export const WELCOME_NEW: Flash = {
  kind: 'info',
  text: 'Welcome to Baton! Your account is ready.',
};
export const PASSWORD_CHANGED: Flash = { kind: 'info', text: 'Your password is changed.' };

/** A form's own work, run once its fields passed the rules (so every field it has is set). */
type FormHandler = (
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
) => Promise<FormOutcome>;

const HANDLERS: Readonly<Record<FormName, FormHandler>> = {
  login: (deps, fields, who) => logIn(deps, normalizeEmail(fields.email), fields.password, who),
  signup: (deps, fields, who) => signUp(deps, normalizeEmail(fields.email), fields.password, who),
  'change-password': changePassword,
};

const AUTH_REQUIRED: Refused = {
  ok: false,
  code: 'auth.required',
  message: 'Your session has ended. Log in again to continue.',
  errors: {},
};

/**
 * Runs the form's rules and, if they pass, its handler: the one place both the live socket
 * and the plain HTTP post submit a form through.
 */
export async function submitForm(
  deps: FormDeps,
  form: FormName,
  fields: Fields,
  who: Submitter,
): Promise<FormOutcome> {
  if (FORMS[form].audience === 'signed-in' && !who.accountId) return AUTH_REQUIRED;
  const errors = checkFormFields(form, fields);
  if (Object.keys(errors).length > 0)
    return { ok: false, code: 'form.invalid', message: INVALID, errors };
  // Fields the form does not have are empty: a handler reads only its own.
  const complete = { email: '', password: '', newPassword: '', ...fields };
  return HANDLERS[form](deps, complete, who);
}

function limited(wait: { retryAfterSeconds: number }, what: string): Refused {
  return {
    ok: false,
    code: 'rate.limited',
    message: `Too many ${what}. Try again in ${describeWait(wait.retryAfterSeconds)}.`,
    errors: {},
    retryAfterSeconds: wait.retryAfterSeconds,
  };
}

/**
 * Checks an email and password under the sign-in limits: refused at once when over them,
 * a failure counted against both the client IP and the account, a success clearing the
 * account's count. Every path that accepts a password goes through here.
 */
async function checkCredentials(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
): Promise<{ ok: true; account: Account } | Refused> {
  const { loginFailsPerAccount: perAccount, loginFailsPerIp: perIp } = deps.limiters;
  // Checked before the password, so a guesser over the limit learns nothing more.
  const wait = (await peek(perIp, who.ip)) ?? (await peek(perAccount, email));
  if (wait) return limited(wait, 'failed sign-ins');
  const account = await deps.store.accounts.findByEmail(email);
  const matches = await verifyPassword(password, account?.passwordHash ?? deps.decoyHash);
  if (!account || !matches) {
    // Failures count against both; an unknown email counts too, so probing costs the same.
    await Promise.all([take(perIp, who.ip), take(perAccount, email)]);
    return { ok: false, code: 'account.bad-credentials', message: BAD_CREDENTIALS, errors: {} };
  }
  await forget(perAccount, email);
  if (needsRehash(account.passwordHash, deps.scrypt)) {
    await deps.store.accounts.updatePasswordHash(
      account.id,
      await hashPassword(password, deps.scrypt),
    );
  }
  return { ok: true, account };
}

async function logIn(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
): Promise<FormOutcome> {
  const checked = await checkCredentials(deps, email, password, who);
  if (!checked.ok) return checked;
  return {
    ok: true,
    accountId: checked.account.id,
    credentialVersion: checked.account.credentialVersion,
    destination: '/account',
    flash: [WELCOME_BACK],
  };
}

async function signUp(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
): Promise<FormOutcome> {
  const wait = await take(deps.limiters.signupsPerIp, who.ip);
  if (wait) return limited(wait, 'sign-ups from this network');
  const account = await deps.store.accounts.create(
    email,
    await hashPassword(password, deps.scrypt),
  );
  if (!account) return signUpAgain(deps, email, password, who);
  return {
    ok: true,
    accountId: account.id,
    credentialVersion: account.credentialVersion,
    destination: '/account',
    flash: [WELCOME_NEW],
  };
}

/** How long after creating an account a repeated sign-up counts as the same one. */
const RESUBMIT_WINDOW_MS = 5 * 60 * 1000;

/**
 * A sign-up for an email that already has an account. When the password matches an
 * account created moments ago, this is the same person's sign-up sent again (the reply to
 * the first was lost when the socket dropped): it succeeds as that sign-up did, instead of
 * telling them their own new account is taken. The password is checked under the same
 * limits as a log in (a wrong one counts as a failed sign-in), so this path is no way
 * around them.
 */
async function signUpAgain(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
): Promise<FormOutcome> {
  const checked = await checkCredentials(deps, email, password, who);
  if (checked.ok && Date.now() - checked.account.createdAt < RESUBMIT_WINDOW_MS) {
    return {
      ok: true,
      accountId: checked.account.id,
      credentialVersion: checked.account.credentialVersion,
      destination: '/account',
      flash: [WELCOME_NEW],
    };
  }
  if (!checked.ok && checked.code === 'rate.limited') return checked;
  return {
    ok: false,
    code: 'account.email-taken',
    message: 'An account with this email already exists. Log in instead.',
    errors: { email: 'This email already has an account.' },
  };
}

/**
 * Changes the signed-in account's password: the current one is checked under the same
 * limits as a log in (a wrong one counts as a failed sign-in, so this form is no way to
 * guess it), then the new one is hashed and stored, and every other session of the account
 * ends, on every instance, with its sockets (someone who knew the old password is signed
 * out). Accepted, it signs the person in again (a new session id, as at every sign-in).
 */
async function changePassword(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const account = who.accountId ? await deps.store.accounts.findById(who.accountId) : null;
  if (!account) return AUTH_REQUIRED;
  const checked = await checkCredentials(deps, account.email, fields.password, who);
  if (!checked.ok) {
    if (checked.code !== 'account.bad-credentials') return checked;
    return {
      ok: false,
      code: 'account.wrong-password',
      message: 'Your current password was not right. Nothing was changed.',
      errors: { password: 'This is not your current password.' },
    };
  }
  // A new credential version: handoffs sealed before this change no longer redeem.
  const credentialVersion = await deps.store.accounts.changePassword(
    account.id,
    await hashPassword(fields.newPassword, deps.scrypt),
  );
  if (credentialVersion === null) return AUTH_REQUIRED;
  const ended = await deps.store.sessions.destroyForAccount(account.id, who.sessionRef);
  await Promise.all(
    ended.map((ref) => deps.events.publish({ type: 'ended', ref, reason: 'revoked' })),
  );
  return {
    ok: true,
    accountId: account.id,
    credentialVersion,
    destination: '/account',
    flash: [PASSWORD_CHANGED],
  };
}
