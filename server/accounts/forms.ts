/**
 * What happens when a person submits a form: one handler per form, shared by the live
 * socket and the plain HTTP post, so the two paths cannot drift apart.
 */
import { FORMS, type FormSpec, normalizeEmail } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import type { FieldErrors, Fields, FormName } from '../../shared/protocol.ts';
import {
  describeWait,
  forget,
  type Limited,
  type Limiters,
  refund,
  take,
} from '../limits/limits.ts';
import type { Logger } from '../logger.ts';
import type { AccountMail } from '../mail/account-mail.ts';
import { announceEnded } from '../session/ended.ts';
import type { SessionEvents } from '../session/events.ts';
import type { PendingSignIn } from '../session/pending-sign-in.ts';
import { authenticatedSince, type SessionFields } from '../session/session.ts';
import type { Account, Store } from '../store/store.ts';
import {
  TWO_FACTOR_MESSAGES,
  type TwoFactor,
  type TwoFactorFailure,
} from '../two-factor/two-factor.ts';
import { confirmAccount, confirmNewAccount } from './confirmation.ts';
import { confirmEmailChange, requestEmailChange } from './email-change.ts';
import type { Accepted } from './outcome.ts';
import type { PasswordHasher } from './password.ts';
import type { GatePass, PasswordGate } from './password-gate.ts';
import { forgotPassword, requestLoginLink, resetPassword, useLoginLink } from './recovery.ts';
import { checkFormFields } from './rules.ts';

export type { Accepted, SessionChange } from './outcome.ts';

export interface FormDeps {
  store: Store;
  /** Hashes and verifies passwords (argon2id; legacy scrypt hashes verify and are redone). */
  hasher: PasswordHasher;
  /** Every password check and hash asks it for a pass first (see password-gate.ts). */
  gate: PasswordGate;
  /** A hash of a password nobody has, verified when the email is unknown so both cases take equal time. */
  decoyHash: string;
  limiters: Limiters;
  /** Where ended sessions are announced, so every instance closes their sockets. */
  events: SessionEvents;
  /** Queues the emails about the account (never waits for them to be sent). */
  mail: AccountMail;
  /** Authenticator codes: a password sign-in to an account that has them on waits for one. */
  twoFactor: TwoFactor;
  /** Where a form notes what the person is not told (a confirmation email over the limits). */
  logger: Logger;
  /** How recent an authentication a `recentAuth` form needs (SUDO_MINUTES), in ms; 10 minutes by default. */
  sudoMs?: number;
  /** The clock sudo mode is judged by (see BatonOptions.now). */
  now?: () => number;
  /** The forms' descriptions: FORMS, unless a test says otherwise. */
  specs?: Readonly<Record<FormName, FormSpec>>;
  /** The forms' handlers: HANDLERS, unless a test says otherwise. */
  handlers?: Readonly<Record<FormName, FormHandler>>;
}

/** SUDO_MINUTES' default, in ms. */
export const DEFAULT_SUDO_MS = 10 * 60 * 1000;

/** Who is submitting. */
export interface Submitter {
  /** The client IP the limits count against. */
  ip: string;
  /** The account signed in where the form was sent (the page's session, or the socket's), if any. */
  accountId: string | null;
  /** That session's ref: the one session a password change leaves signed in. */
  sessionRef: string | null;
  /**
   * The sign-in this browser has waiting for its authentication code, as sealed by Baton
   * (session/pending-sign-in.ts; already checked to be this browser's); absent: none.
   */
  pendingSignIn?: PendingSignIn | null;
}

export interface Refused {
  ok: false;
  code:
    | 'form.invalid'
    | 'account.bad-credentials'
    | 'account.email-taken'
    | 'account.wrong-password'
    | 'auth.required'
    | 'auth.recent-required'
    | 'rate.limited'
    | 'server.busy'
    | 'sign-in.expired'
    | Exclude<TwoFactorFailure, 'two-factor.off'>;
  message: string;
  errors: FieldErrors;
  /** Set with `rate.limited` and `server.busy`: seconds until trying again can succeed. */
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
/** What /login says once the account of the browser that deleted it is gone. */
export const ACCOUNT_DELETED: Flash = { kind: 'info', text: 'Your account was deleted.' };

/**
 * A form's own work, run once its fields passed the rules (so every field it has is set).
 * It answers with a Refused, or with an Accepted naming the session change (outcome.ts).
 */
export type FormHandler = (
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
) => Promise<FormOutcome>;

export const HANDLERS: Readonly<Record<FormName, FormHandler>> = {
  login: (deps, fields, who) =>
    logIn(deps, normalizeEmail(fields.email), fields.password, who, fields.remember === 'on'),
  signup: (deps, fields, who) => signUp(deps, normalizeEmail(fields.email), fields.password, who),
  'change-password': changePassword,
  'confirm-password': confirmPassword,
  'login-code': enterCode,
  'forgot-password': forgotPassword,
  'reset-password': resetPassword,
  'login-link': requestLoginLink,
  'use-login-link': useLoginLink,
  'delete-account': deleteAccount,
  confirm: confirmAccount,
  'change-email': requestEmailChange,
  'confirm-email': confirmEmailChange,
};

/**
 * Work a form does even when the rules refused some fields, adding its own errors to
 * theirs: change-password and change-email check the current password (counted as an
 * attempt first, as always) when only the other field broke a rule, so a person with both
 * wrong hears of both.
 */
const ALSO_WHEN_INVALID: Partial<
  Record<
    FormName,
    (deps: FormDeps, fields: Required<Fields>, who: Submitter) => Promise<Refused | null>
  >
> = {
  'change-password': checkCurrentPassword,
  'change-email': checkCurrentPassword,
};

/** The refusal of a signed-in form whose session or account is gone. */
export const AUTH_REQUIRED: Refused = {
  ok: false,
  code: 'auth.required',
  message: 'Your session has ended. Log in again to continue.',
  errors: {},
};

/** The refusal of a `recentAuth` action whose session last authenticated too long ago. */
export const RECENT_AUTH_REQUIRED: Refused = {
  ok: false,
  code: 'auth.recent-required',
  message: 'Confirm your password to continue.',
  errors: {},
};

/** The code step asked for a sign-in that is no longer waiting (expired, or never begun here). */
const SIGN_IN_EXPIRED: Refused = {
  ok: false,
  code: 'sign-in.expired',
  message: 'Your sign-in took too long or has ended. Log in again.',
  errors: {},
};

/** The submitter's sign-in waiting for its code, while it is still current. */
function waitingSignIn(deps: FormDeps, who: Submitter): PendingSignIn | null {
  const pending = who.pendingSignIn ?? null;
  return pending && (deps.now ?? Date.now)() < pending.exp ? pending : null;
}

/** Whether the submitter's session proved who they are within SUDO_MINUTES (read afresh from the store). */
export async function recentlyAuthenticated(deps: FormDeps, who: Submitter): Promise<boolean> {
  if (!who.sessionRef || !who.accountId) return false;
  const fields = (await deps.store.sessions.get(who.sessionRef)) as SessionFields | null;
  if (fields?.accountId !== who.accountId) return false;
  return authenticatedSince(fields, (deps.now ?? Date.now)(), deps.sudoMs ?? DEFAULT_SUDO_MS);
}

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
  const spec = (deps.specs ?? FORMS)[form];
  if (spec.audience === 'signed-in' && !who.accountId) return AUTH_REQUIRED;
  if (spec.recentAuth && !(await recentlyAuthenticated(deps, who))) return RECENT_AUTH_REQUIRED;
  if (spec.audience === 'signing-in' && !waitingSignIn(deps, who)) return SIGN_IN_EXPIRED;
  // Fields the form does not have are empty: a handler reads only its own.
  const complete = {
    email: '',
    password: '',
    newPassword: '',
    code: '',
    token: '',
    remember: '',
    ...fields,
  };
  const errors = checkFormFields(form, fields);
  if (Object.keys(errors).length > 0) {
    const also = await ALSO_WHEN_INVALID[form]?.(deps, complete, who);
    if (also && also.code !== 'account.wrong-password') return also;
    return {
      ok: false,
      code: 'form.invalid',
      message: INVALID,
      errors: { ...errors, ...also?.errors },
    };
  }
  return (deps.handlers ?? HANDLERS)[form](deps, complete, who);
}

/** The submitter's account, for forms only a signed-in person uses. */
export async function submitterAccount(deps: FormDeps, who: Submitter): Promise<Account | null> {
  return who.accountId ? deps.store.accounts.findById(who.accountId) : null;
}

/** "Too many <what>. Try again in …": over a rate limit. */
export function limited(wait: { retryAfterSeconds: number }, what: string): Refused {
  return {
    ok: false,
    code: 'rate.limited',
    message: `Too many ${what}. Try again in ${describeWait(wait.retryAfterSeconds)}.`,
    errors: {},
    retryAfterSeconds: wait.retryAfterSeconds,
  };
}

/** "Busy, try again in N seconds": too many password checks waiting. Nothing was written or counted. */
function busy(retryAfterSeconds: number): Refused {
  return {
    ok: false,
    code: 'server.busy',
    message: `Baton is busy. Try again in ${describeWait(retryAfterSeconds)}.`,
    errors: {},
    retryAfterSeconds,
  };
}

/**
 * Runs a form's password work holding a pass from the gate (per client IP, per account and
 * in all); when none is given, answers busy at once, before anything is counted or written.
 */
export async function withPass<T extends { ok: boolean }>(
  deps: FormDeps,
  who: Submitter,
  email: string,
  work: (pass: GatePass) => Promise<T | Refused>,
): Promise<T | Refused> {
  const admission = deps.gate.admit(who.ip, email);
  if (!admission.ok) return busy(admission.retryAfterSeconds);
  try {
    return await work(admission.pass);
  } finally {
    admission.pass.leave();
  }
}

/**
 * Checks an email and password under the sign-in limits. The attempt is counted against
 * the client IP and the account before the password is checked, so concurrent guesses
 * count too (on every instance, when the limiters live in Redis); a success gives the IP's
 * point back and clears the account's count. Over either limit, nothing is checked and the
 * other limit's point is given back. Every path that accepts a password goes through here.
 *
 * `signIn`: the password is to sign in, so an account with authenticator codes on still
 * waits for one (`waitsForCode`), and its count is not cleared yet: it clears once the code
 * is right too, so knowing the password buys no fresh guesses at the code.
 */
async function checkCredentials(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
  pass: GatePass,
  options: { signIn?: boolean } = {},
): Promise<{ ok: true; account: Account; waitsForCode: boolean } | Refused> {
  const { loginFailsPerAccount: perAccount, loginFailsPerIp: perIp } = deps.limiters;
  const [ipWait, accountWait] = await Promise.all([take(perIp, who.ip), take(perAccount, email)]);
  if (ipWait || accountWait) {
    if (!ipWait) await refund(perIp, who.ip);
    if (!accountWait) await refund(perAccount, email);
    return limited((ipWait ?? accountWait) as Limited, 'failed sign-ins');
  }
  const account = await deps.store.accounts.findByEmail(email);
  // An unknown email is checked against the decoy, so both cases cost one hash.
  const stored = account?.passwordHash ?? deps.decoyHash;
  const matches = await pass.run(() => deps.hasher.verify(password, stored));
  if (!account || !matches) {
    return { ok: false, code: 'account.bad-credentials', message: BAD_CREDENTIALS, errors: {} };
  }
  const waitsForCode = options.signIn === true && (await deps.twoFactor.status(account.id)).enabled;
  await Promise.all([refund(perIp, who.ip), waitsForCode ? null : forget(perAccount, email)]);
  if (deps.hasher.needsRehash(account.passwordHash)) {
    // Made with older parameters or scrypt: redone now, while the password is at hand.
    const rehashed = await pass.run(() => deps.hasher.hash(password));
    await deps.store.accounts.updatePasswordHash(account.id, rehashed);
  }
  return { ok: true, account, waitsForCode };
}

/**
 * Signs `account` in: for this browser's session, or with `remember` ("Remember me" ticked)
 * for REMEMBER_DAYS behind a persistent cookie.
 */
function signedIn(account: Account, welcome: Flash, remember = false): Accepted {
  return {
    ok: true,
    change: {
      kind: 'sign-in',
      accountId: account.id,
      credentialVersion: account.credentialVersion,
      remember,
    },
    destination: '/account',
    flash: [welcome],
  };
}

/**
 * A new account's first sign-in: as `signedIn`, and its browser is filed as known without a
 * new-device email (the person who made the account is right there).
 */
function signedUp(account: Account): Accepted {
  return {
    ok: true,
    change: {
      kind: 'sign-in',
      accountId: account.id,
      credentialVersion: account.credentialVersion,
      remember: false,
      signUp: true,
    },
    destination: '/account',
    flash: [WELCOME_NEW],
  };
}

async function logIn(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
  remember: boolean,
): Promise<FormOutcome> {
  return withPass(deps, who, email, async (pass) => {
    const checked = await checkCredentials(deps, email, password, who, pass, { signIn: true });
    if (!checked.ok) return checked;
    const accepted = signedIn(checked.account, WELCOME_BACK, remember);
    return checked.waitsForCode ? codeFirst(accepted) : accepted;
  });
}

/**
 * A sign-in to an account with authenticator codes on, turned into the wait for its code:
 * no session yet, the same fields kept for when the code is right, and the code's page,
 * showing `flash` (what already happened: a password reset).
 */
export function codeFirst(accepted: Accepted, flash: Flash[] = []): Accepted {
  const { change } = accepted;
  if (change.kind !== 'sign-in') throw new Error('Only a sign-in waits for a code');
  const { accountId, credentialVersion, remember } = change;
  return {
    ok: true,
    change: { kind: 'second-factor', accountId, credentialVersion, remember },
    destination: FORMS['login-code'].action,
    flash,
  };
}

async function signUp(
  deps: FormDeps,
  email: string,
  password: string,
  who: Submitter,
): Promise<FormOutcome> {
  return withPass(deps, who, email, async (pass) => {
    const wait = await take(deps.limiters.signupsPerIp, who.ip);
    if (wait) return limited(wait, 'sign-ups from this network');
    const hash = await pass.run(() => deps.hasher.hash(password));
    const account = await deps.store.accounts.create(email, hash);
    if (!account) return signUpAgain(deps, email, password, who, pass);
    await confirmNewAccount(deps, account, who);
    return signedUp(account);
  });
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
  pass: GatePass,
): Promise<FormOutcome> {
  const checked = await checkCredentials(deps, email, password, who, pass, { signIn: true });
  // An account that asks for a code is no sign-up just sent again: it is taken, as below.
  const fresh = checked.ok && !checked.waitsForCode;
  if (fresh && Date.now() - checked.account.createdAt < RESUBMIT_WINDOW_MS) {
    // A sign-in, not `signedUp`: anyone holding the password could send a sign-up again,
    // so a browser new to the account still gets the account a notice.
    return signedIn(checked.account, WELCOME_NEW);
  }
  if (!checked.ok && checked.code === 'rate.limited') return checked;
  return {
    ok: false,
    code: 'account.email-taken',
    message: 'An account with this email already exists. Log in instead.',
    errors: { email: 'This email already has an account.' },
  };
}

const WRONG_CURRENT_PASSWORD: Refused = {
  ok: false,
  code: 'account.wrong-password',
  message: 'Your current password was not right. Nothing was changed.',
  errors: { password: 'This is not your current password.' },
};

/**
 * Checks the signed-in account's password under the sign-in limits (a wrong one counts as
 * a failed sign-in, so no form that asks for it is a way to guess it).
 */
export async function checkOwnPassword(
  deps: FormDeps,
  account: Account,
  password: string,
  who: Submitter,
  pass: GatePass,
): Promise<{ ok: true; account: Account } | Refused> {
  const checked = await checkCredentials(deps, account.email, password, who, pass);
  if (!checked.ok && checked.code === 'account.bad-credentials') return WRONG_CURRENT_PASSWORD;
  return checked;
}

/**
 * Checks the signed-in person's password (`fields.password`) under the sign-in limits, for
 * any form that asks for it. Resolves null when it is right (or absent: the form's rules
 * say whether it may be), the wrong-password refusal when it is wrong, `auth.required`
 * when the account is gone, or a limit or busy refusal. Change-password also runs it when
 * only its new password broke a rule, so both mistakes show at once.
 */
export async function checkCurrentPassword(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<Refused | null> {
  if (fields.password === '') return null;
  const account = await submitterAccount(deps, who);
  if (!account) return AUTH_REQUIRED;
  const checked = await withPass(deps, who, account.email, (pass) =>
    checkOwnPassword(deps, account, fields.password, who, pass),
  );
  return checked.ok ? null : checked;
}

/**
 * Changes the signed-in account's password: the current one is checked under the same
 * limits as a log in (a wrong one counts as a failed sign-in, so this form is no way to
 * guess it), then the new one is hashed and stored, and every other session of the account
 * ends, on every instance, with its sockets (someone who knew the old password is signed
 * out; their next page says the password was changed). Accepted, it signs the person in
 * again (a new session id, as at every sign-in).
 */
async function changePassword(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const account = await submitterAccount(deps, who);
  if (!account) return AUTH_REQUIRED;
  return withPass(deps, who, account.email, async (pass) => {
    const checked = await checkOwnPassword(deps, account, fields.password, who, pass);
    if (!checked.ok) return checked;
    const hash = await pass.run(() => deps.hasher.hash(fields.newPassword));
    // A new credential version: handoffs sealed before this change no longer redeem.
    const credentialVersion = await deps.store.accounts.changePassword(account.id, hash);
    if (credentialVersion === null) return AUTH_REQUIRED;
    // The new session lasts as the one it replaces did ("Remember me" or not).
    const current = who.sessionRef ? await deps.store.sessions.get(who.sessionRef) : null;
    const remember = (current as SessionFields | null)?.remember === true;
    const ended = await deps.store.sessions.destroyForAccount(account.id, who.sessionRef);
    await announceEnded(deps.store.sessions, deps.events, ended, 'revoked');
    deps.mail.passwordChanged(account.email);
    return {
      ok: true,
      change: { kind: 'sign-in', accountId: account.id, credentialVersion, remember },
      destination: '/account',
      flash: [PASSWORD_CHANGED],
    };
  });
}

/**
 * Confirms the signed-in person's password (sudo mode): checked under the sign-in limits,
 * and accepted as the `confirm` change, which moves the session's time of last
 * authentication to now. The destination gives way to the page that asked for it.
 */
async function confirmPassword(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const account = await submitterAccount(deps, who);
  if (!account) return AUTH_REQUIRED;
  return withPass(deps, who, account.email, async (pass) => {
    const checked = await checkOwnPassword(deps, account, fields.password, who, pass);
    if (!checked.ok) {
      if (checked.code !== 'account.wrong-password') return checked;
      return {
        ...checked,
        message: 'That password was not right.',
        errors: { password: 'This is not your password.' },
      };
    }
    return {
      ok: true,
      change: {
        kind: 'confirm',
        accountId: account.id,
        credentialVersion: checked.account.credentialVersion,
      },
      destination: '/account',
      flash: [],
    };
  });
}

/**
 * The second step of a password sign-in to an account with authenticator codes on: the
 * code (or a recovery code) for the account waiting in this browser's sealed cookie, never
 * one the client names. It is counted as a sign-in attempt against the client IP and the
 * account before it is checked, like a password; a right one gives the IP's point back and
 * clears the account's count. A code works once (two-factor.ts), and the sign-in it
 * completes carries the credential version the password was checked under, so a password
 * change meanwhile voids it when it is redeemed.
 */
async function enterCode(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  const pending = waitingSignIn(deps, who);
  if (!pending) return SIGN_IN_EXPIRED;
  const account = await deps.store.accounts.findById(pending.accountId);
  if (account?.credentialVersion !== pending.credentialVersion) return SIGN_IN_EXPIRED;
  const { loginFailsPerAccount: perAccount, loginFailsPerIp: perIp } = deps.limiters;
  const [ipWait, accountWait] = await Promise.all([
    take(perIp, who.ip),
    take(perAccount, account.email),
  ]);
  if (ipWait || accountWait) {
    if (!ipWait) await refund(perIp, who.ip);
    if (!accountWait) await refund(perAccount, account.email);
    return limited((ipWait ?? accountWait) as Limited, 'failed sign-ins');
  }
  const result = await deps.twoFactor.verify(account.id, fields.code);
  if (!result.ok) {
    // Turned off since the password was given: start again, with the password alone.
    if (result.code === 'two-factor.off') return SIGN_IN_EXPIRED;
    return {
      ok: false,
      code: result.code,
      message: 'That code did not work.',
      errors: { code: TWO_FACTOR_MESSAGES[result.code] },
    };
  }
  await Promise.all([refund(perIp, who.ip), forget(perAccount, account.email)]);
  const flash: Flash[] = [WELCOME_BACK];
  if (result.method === 'recovery-code') flash.push(recoveryCodeUsed(result.recoveryCodesLeft));
  return {
    ok: true,
    change: {
      kind: 'sign-in',
      accountId: account.id,
      credentialVersion: account.credentialVersion,
      remember: pending.remember,
    },
    destination: '/account',
    flash,
  };
}

/** Said after a sign-in with a recovery code: how many are left, and where to get more. */
export function recoveryCodeUsed(left: number): Flash {
  const count = left === 1 ? '1 recovery code' : `${left} recovery codes`;
  return {
    kind: 'notice',
    text: `You signed in with a recovery code. You have ${count} left; get new ones under Two-factor.`,
  };
}

/**
 * Deletes the signed-in account (sudo: the form is `recentAuth`) and everything kept for it,
 * in one store step; the address can sign up again at once, and a handoff sealed for the
 * account no longer redeems. The other sessions' sockets close on every instance, and their
 * next page says the account was deleted. This session ends as the outcome's `sign-out`
 * (at once for a plain post; for the live socket, when its handoff is posted), which closes
 * its own sockets and clears its cookie. A notice goes to the address.
 */
async function deleteAccount(
  deps: FormDeps,
  _fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  if (!who.accountId) return AUTH_REQUIRED;
  const deleted = await deps.store.accounts.delete(who.accountId);
  if (!deleted) return AUTH_REQUIRED;
  const others = deleted.sessionRefs.filter((ref) => ref !== who.sessionRef);
  await announceEnded(deps.store.sessions, deps.events, others, 'deleted');
  deps.mail.accountDeleted(deleted.email);
  return {
    ok: true,
    change: { kind: 'sign-out' },
    destination: '/login',
    flash: [ACCOUNT_DELETED],
  };
}
