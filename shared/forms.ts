/**
 * The forms, described once: the server renders them as plain HTML (so they work without
 * JavaScript) and the client renders the same description as live Solid forms.
 */
import type { FormAction } from './page.ts';
import type { FieldErrors, FieldName, Fields, FormName } from './protocol.ts';

export interface FieldSpec {
  name: FieldName;
  label: string;
  /** A `checkbox` is on when its value is `on` (as a browser posts it) and never required. */
  type: 'email' | 'password' | 'text' | 'checkbox';
  /**
   * What the field holds, in HTML's own words; it also picks the field's rules (see
   * `checkFields`), so a field cannot be labelled one thing and checked as another. A
   * checkbox is `off`: it holds a choice, and no rule applies. `username webauthn` is the
   * log-in form's email: the account's name, where the browser may also offer its passkeys
   * (WebAuthn's conditional mediation wants `webauthn` last); it is checked as an email.
   */
  autocomplete:
    | 'email'
    | 'username webauthn'
    | 'current-password'
    | 'new-password'
    | 'one-time-code'
    | 'off';
  hint?: string;
}

/**
 * Who may use a form. A signed-out visitor of a `signed-in` form goes to /login (and comes
 * back after signing in); a signed-in visitor of a `signed-out` form goes to /account;
 * `anyone` serves both. `signing-in` is a signed-out visitor whose password was just
 * accepted for an account that asks for a second factor (server/session/pending-sign-in.ts):
 * anyone else goes to /login, or to /account when signed in.
 */
export type Audience = 'signed-out' | 'signed-in' | 'anyone' | 'signing-in';

export interface FormSpec {
  name: FormName;
  /** Page heading and document title. */
  title: string;
  /** Where the form's page is, and where its plain HTTP form posts. */
  action: FormAction;
  submitLabel: string;
  /** The button's label while a submit is in flight. */
  progressLabel: string;
  audience: Audience;
  /** The button does something that cannot be undone (deleting an account): styled as dangerous. */
  danger?: boolean;
  /**
   * Needs a recent authentication (a sign-in or a password confirmation within
   * SUDO_MINUTES): otherwise the page sends the person to /confirm-password and back, and a
   * submit is refused with `auth.recent-required`. Only for `signed-in` forms.
   */
  recentAuth?: boolean;
  fields: readonly FieldSpec[];
  /**
   * A paragraph above the fields saying what the form does, for the few forms whose title is
   * not enough. The server renders it; no page's script carries it (FormSpec objects reach
   * the browser in the page data only, and the client imports this module for its types).
   */
  intro?: string;
  /** A link to the other form, shown under the button. */
  alternate: { prompt: string; label: string; href: string };
  /** More links under the button, above `alternate` ("Forgot your password?"). */
  links?: readonly { label: string; href: string }[];
  /**
   * The form opens from an emailed link: its page, and its plain post, are `<action>/<token>`,
   * and the page shows only while the token is good for `purpose`; a dead link goes to
   * `invalid.to`, which says `invalid.text`. The live form sends the token with its submit
   * only. `action` alone is no page.
   */
  link?: { purpose: LinkPurpose; invalid: { text: string; to: `/${FormName}` } };
}

/** What an emailed link lets its holder do (the server's TokenPurpose). */
export type LinkPurpose = 'reset-password' | 'login-link' | 'confirm-email' | 'change-email';

const email: FieldSpec = { name: 'email', label: 'Email', type: 'email', autocomplete: 'email' };

export const FORMS: Readonly<Record<FormName, FormSpec>> = {
  login: {
    name: 'login',
    title: 'Log in',
    action: '/login',
    submitLabel: 'Log in',
    progressLabel: 'Logging in…',
    audience: 'signed-out',
    fields: [
      // The browser's passkey autofill (client/passkeys/autofill.ts) offers passkeys here.
      { name: 'email', label: 'Email', type: 'email', autocomplete: 'username webauthn' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
      { name: 'remember', label: 'Remember me', type: 'checkbox', autocomplete: 'off' },
    ],
    alternate: { prompt: 'New here?', label: 'Create an account', href: '/signup' },
    links: [
      { label: 'Forgot your password?', href: '/forgot-password' },
      { label: 'Email me a sign-in link', href: '/login-link' },
    ],
  },
  signup: {
    name: 'signup',
    title: 'Create your account',
    action: '/signup',
    submitLabel: 'Sign up',
    progressLabel: 'Signing up…',
    audience: 'signed-out',
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
  'change-password': {
    name: 'change-password',
    title: 'Change your password',
    action: '/change-password',
    submitLabel: 'Change password',
    progressLabel: 'Changing…',
    audience: 'signed-in',
    fields: [
      {
        name: 'password',
        label: 'Current password',
        type: 'password',
        autocomplete: 'current-password',
      },
      {
        name: 'newPassword',
        label: 'New password',
        type: 'password',
        autocomplete: 'new-password',
        hint: 'At least 8 characters.',
      },
    ],
    alternate: { prompt: 'Changed your mind?', label: 'Back to your account', href: '/account' },
  },
  'confirm-password': {
    name: 'confirm-password',
    title: 'Confirm your password',
    action: '/confirm-password',
    submitLabel: 'Confirm',
    progressLabel: 'Confirming…',
    audience: 'signed-in',
    fields: [
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    alternate: { prompt: 'Changed your mind?', label: 'Back to your account', href: '/account' },
  },
  'login-code': {
    name: 'login-code',
    title: 'Enter your code',
    action: '/login-code',
    submitLabel: 'Verify',
    progressLabel: 'Verifying…',
    audience: 'signing-in',
    fields: [
      {
        name: 'code',
        label: 'Authentication code',
        type: 'text',
        autocomplete: 'one-time-code',
        hint: 'From your authenticator app, or a recovery code.',
      },
    ],
    alternate: { prompt: 'Not you?', label: 'Log in again', href: '/login' },
  },
  'forgot-password': {
    name: 'forgot-password',
    title: 'Forgot your password?',
    action: '/forgot-password',
    submitLabel: 'Send reset link',
    progressLabel: 'Sending…',
    audience: 'signed-out',
    fields: [email],
    alternate: { prompt: 'Remembered it?', label: 'Log in', href: '/login' },
  },
  'reset-password': {
    name: 'reset-password',
    title: 'Reset your password',
    action: '/reset-password',
    submitLabel: 'Reset password',
    progressLabel: 'Resetting…',
    audience: 'signed-out',
    fields: [
      {
        name: 'newPassword',
        label: 'New password',
        type: 'password',
        autocomplete: 'new-password',
        hint: 'At least 8 characters.',
      },
    ],
    alternate: { prompt: 'Remembered it?', label: 'Log in', href: '/login' },
    link: {
      purpose: 'reset-password',
      invalid: { text: 'That reset link is invalid or has expired.', to: '/forgot-password' },
    },
  },
  'login-link': {
    name: 'login-link',
    title: 'Log in with a link',
    action: '/login-link',
    submitLabel: 'Send sign-in link',
    progressLabel: 'Sending…',
    audience: 'signed-out',
    fields: [email],
    alternate: { prompt: 'Know your password?', label: 'Log in', href: '/login' },
  },
  'use-login-link': {
    name: 'use-login-link',
    title: 'Log in to Baton',
    action: '/login-link',
    submitLabel: 'Log me in',
    progressLabel: 'Logging in…',
    audience: 'signed-out',
    fields: [],
    alternate: { prompt: 'Know your password?', label: 'Log in', href: '/login' },
    link: {
      purpose: 'login-link',
      invalid: { text: 'That sign-in link is invalid or has expired.', to: '/login-link' },
    },
  },
  'delete-account': {
    name: 'delete-account',
    title: 'Delete your account',
    action: '/account/delete',
    submitLabel: 'Delete account',
    progressLabel: 'Deleting…',
    audience: 'signed-in',
    danger: true,
    recentAuth: true,
    fields: [],
    intro:
      'This deletes your account and signs it out everywhere. Everything Baton keeps for it goes too: its sessions, passkeys, two-factor settings and emailed links. It cannot be undone.',
    alternate: { prompt: 'Changed your mind?', label: 'Back to your account', href: '/account' },
  },
  confirm: {
    name: 'confirm',
    title: 'Confirm your email',
    action: '/confirm',
    submitLabel: 'Confirm my account',
    progressLabel: 'Confirming…',
    // The link proves the address, whoever is signed in here (or nobody).
    audience: 'anyone',
    fields: [],
    intro: 'This confirms that the address this link was sent to is yours.',
    alternate: { prompt: 'Not now?', label: 'Back to Baton', href: '/' },
    link: {
      purpose: 'confirm-email',
      // /login sends a signed-in person on to /account, the flash with them.
      invalid: { text: 'That confirmation link is invalid or has expired.', to: '/login' },
    },
  },
  'change-email': {
    name: 'change-email',
    title: 'Change your email',
    action: '/change-email',
    submitLabel: 'Change email',
    progressLabel: 'Sending…',
    audience: 'signed-in',
    recentAuth: true,
    fields: [
      { name: 'email', label: 'New email', type: 'email', autocomplete: 'email' },
      {
        name: 'password',
        label: 'Current password',
        type: 'password',
        autocomplete: 'current-password',
      },
    ],
    alternate: { prompt: 'Changed your mind?', label: 'Back to your account', href: '/account' },
  },
  'confirm-email': {
    name: 'confirm-email',
    title: 'Confirm your new email',
    action: '/confirm-email',
    submitLabel: 'Confirm new email',
    progressLabel: 'Confirming…',
    audience: 'signed-in',
    fields: [],
    alternate: { prompt: 'Changed your mind?', label: 'Back to your account', href: '/account' },
    link: {
      purpose: 'change-email',
      invalid: { text: 'That email change link is invalid or has expired.', to: '/change-email' },
    },
  },
};

export const MIN_PASSWORD_LENGTH = 8;

/**
 * The one form an email is stored and looked up under: NFKC (fullwidth letters, decomposed
 * accents and other compatibility forms fold into one), trimmed and lower-cased, then NFKC
 * again since lower-casing can leave a form NFKC would change. Look-alikes that differ only
 * in how they were written therefore name one account.
 */
export function normalizeEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

// Characters that show nothing: controls, format characters (zero-width space and joiners,
// bidi marks, soft hyphen) and the rest of Unicode's default-ignorables, and line or
// paragraph separators. Two addresses differing only by them would look the same.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]/u;

// Deliberately loose (one @, a dot in the domain, no spaces): the only real check of an
// address is mail that arrives, and strict patterns refuse valid addresses.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The rules every form applies as the person types and again on submit: each field of the
 * form is checked by what it holds. A field the form has but `fields` lacks counts as empty.
 * Returns only the fields that are wrong; an empty object means all is well.
 */
export function checkFields(form: FormName, fields: Fields): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of FORMS[form].fields) {
    const error = checkField(field, fields[field.name] ?? '');
    if (error) errors[field.name] = error;
  }
  return errors;
}

function checkField(field: FieldSpec, value: string): string | undefined {
  if (field.type === 'checkbox') return undefined;
  if (field.autocomplete === 'email' || field.autocomplete === 'username webauthn') {
    const address = normalizeEmail(value);
    if (address === '') return 'Enter your email address.';
    if (INVISIBLE.test(address)) return 'Remove the invisible characters from this email address.';
    if (!EMAIL_SHAPE.test(address)) return 'Enter an email address like name@example.com.';
    return undefined;
  }
  if (value === '') return `Enter your ${field.label.toLowerCase()}.`;
  if (field.autocomplete === 'new-password' && [...value].length < MIN_PASSWORD_LENGTH)
    return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  return undefined;
}
