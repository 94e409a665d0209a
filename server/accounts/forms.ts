/**
 * What happens when a person submits a form: one handler per form, shared by the live
 * socket and the plain HTTP post, so the two paths cannot drift apart.
 */
import { checkFields, normalizeEmail } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import type { FieldErrors, Fields, FormName } from '../../shared/protocol.ts';
import type { Store } from '../store/store.ts';
import { hashPassword, needsRehash, type ScryptParams, verifyPassword } from './password.ts';

export interface FormDeps {
  store: Store;
  scrypt: ScryptParams;
  /** A hash of a password nobody has, verified when the email is unknown so both cases take equal time. */
  decoyHash: string;
}

/** A form that was accepted: who to sign in, where to send them, what to tell them. */
export interface Accepted {
  ok: true;
  accountId: string;
  destination: '/account';
  flash: Flash[];
}

export interface Refused {
  ok: false;
  code: 'form.invalid' | 'account.bad-credentials' | 'account.email-taken';
  message: string;
  errors: FieldErrors;
}

export type FormOutcome = Accepted | Refused;

const INVALID = 'Check the highlighted fields and try again.';
// One message for an unknown email and a wrong password, so neither reveals which it was.
const BAD_CREDENTIALS = 'That email and password do not match an account.';

export const WELCOME_BACK: Flash = { kind: 'info', text: 'Welcome back! You are signed in.' };
export const WELCOME_NEW: Flash = { kind: 'info', text: 'Welcome to Baton! Your account is ready.' };

/** Runs the form's rules and, if they pass, logs in or signs up. */
export async function submitForm(deps: FormDeps, form: FormName, fields: Fields): Promise<FormOutcome> {
  const errors = checkFields(form, fields);
  if (Object.keys(errors).length > 0) return { ok: false, code: 'form.invalid', message: INVALID, errors };
  const email = normalizeEmail(fields.email);
  return form === 'login' ? logIn(deps, email, fields.password) : signUp(deps, email, fields.password);
}

async function logIn(deps: FormDeps, email: string, password: string): Promise<FormOutcome> {
  const account = await deps.store.accounts.findByEmail(email);
  const matches = await verifyPassword(password, account?.passwordHash ?? deps.decoyHash);
  if (!account || !matches) {
    return { ok: false, code: 'account.bad-credentials', message: BAD_CREDENTIALS, errors: {} };
  }
  if (needsRehash(account.passwordHash, deps.scrypt)) {
    await deps.store.accounts.updatePasswordHash(account.id, await hashPassword(password, deps.scrypt));
  }
  return { ok: true, accountId: account.id, destination: '/account', flash: [WELCOME_BACK] };
}

async function signUp(deps: FormDeps, email: string, password: string): Promise<FormOutcome> {
  const account = await deps.store.accounts.create(email, await hashPassword(password, deps.scrypt));
  if (!account) {
    return {
      ok: false,
      code: 'account.email-taken',
      message: 'An account with this email already exists. Log in instead.',
      errors: { email: 'This email already has an account.' },
    };
  }
  return { ok: true, accountId: account.id, destination: '/account', flash: [WELCOME_NEW] };
}
