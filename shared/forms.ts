/**
 * The forms, described once: the server renders them as plain HTML (so they work without
 * JavaScript) and the client renders the same description as live Solid forms.
 */
import type { FieldErrors, FieldName, Fields, FormName } from './protocol.ts';

export interface FieldSpec {
  name: FieldName;
  label: string;
  type: 'email' | 'password';
  autocomplete: string;
  hint?: string;
}

export interface FormSpec {
  name: FormName;
  /** Page heading and document title. */
  title: string;
  /** Where the plain HTTP form posts. */
  action: `/${FormName}`;
  submitLabel: string;
  fields: readonly FieldSpec[];
  /** A link to the other form, shown under the button. */
  alternate: { prompt: string; label: string; href: string };
}

const email: FieldSpec = { name: 'email', label: 'Email', type: 'email', autocomplete: 'email' };

export const FORMS: Readonly<Record<FormName, FormSpec>> = {
  login: {
    name: 'login',
    title: 'Log in',
    action: '/login',
    submitLabel: 'Log in',
    fields: [
      email,
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    alternate: { prompt: 'New here?', label: 'Create an account', href: '/signup' },
  },
  signup: {
    name: 'signup',
    title: 'Create your account',
    action: '/signup',
    submitLabel: 'Sign up',
    fields: [
      email,
      {
        name: 'password',
        label: 'Password',
        type: 'password',
        autocomplete: 'new-password',
        hint: 'At least 8 characters.',
      },
    ],
    alternate: { prompt: 'Already have an account?', label: 'Log in', href: '/login' },
  },
};

export const MIN_PASSWORD_LENGTH = 8;

/** Trims and lower-cases an email, the one form accounts are stored and looked up under. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

// Deliberately loose (one @, a dot in the domain, no spaces): the only real check of an
// address is mail that arrives, and strict patterns refuse valid addresses.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The rules every form applies as the person types and again on submit.
 * Returns only the fields that are wrong; an empty object means all is well.
 */
export function checkFields(form: FormName, fields: Fields): FieldErrors {
  const errors: FieldErrors = {};
  const address = normalizeEmail(fields.email);
  if (address === '') errors.email = 'Enter your email address.';
  else if (!EMAIL_SHAPE.test(address))
    errors.email = 'Enter an email address like name@example.com.';
  if (fields.password === '') errors.password = 'Enter your password.';
  else if (form === 'signup' && [...fields.password].length < MIN_PASSWORD_LENGTH)
    errors.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  return errors;
}
