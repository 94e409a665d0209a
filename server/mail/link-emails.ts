/**
 * The emails that carry a link to act on an account (reset a password, ...): short, in
 * plain words, saying what the link does, how long it works, and what to do when the
 * person did not ask for it. The link holds a token: these emails are the only place it is
 * ever written (never a log, never the store, which keeps its hash).
 */
import { absoluteLink, composeEmail, type Email } from './email.ts';
import { SIGNATURE } from './notices.ts';

/** Where a link email is going, and the token its link carries. */
export interface LinkContext {
  to: string;
  /** The first PUBLIC_ORIGIN: the link is built on it. */
  origin: string;
  /** The token's text, straight from `issueToken`. */
  token: string;
}

/** The email with a `/reset-password/<token>` link: its subject says "Reset". */
export function passwordResetEmail(context: LinkContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'password-reset',
    subject: 'Reset your Baton password',
    blocks: [
      'Hello,',
      `Someone asked to reset the password of your Baton account (${context.to}). If it was you, choose a new password here:`,
      {
        label: 'Reset your password',
        href: absoluteLink(context.origin, `/reset-password/${context.token}`),
      },
      'The link works once, within 60 minutes. Resetting your password signs every browser out of your account.',
      'If you did not ask for this, ignore this email: your password stays as it is.',
      SIGNATURE,
    ],
  });
}

/** The email with a `/login-link/<token>` link: its subject says "Sign in". */
export function loginLinkEmail(context: LinkContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'login-link',
    subject: 'Sign in to Baton',
    blocks: [
      'Hello,',
      `Someone asked for a link to log in to your Baton account (${context.to}). If it was you, log in here:`,
      {
        label: 'Log in to Baton',
        href: absoluteLink(context.origin, `/login-link/${context.token}`),
      },
      'The link works once, within 15 minutes.',
      'If you did not ask for this, ignore this email: nobody can use the link but you.',
      SIGNATURE,
    ],
  });
}

/** The email with a `/confirm/<token>` link, sent at sign-up: its subject says "Confirm". */
export function confirmEmailEmail(context: LinkContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'confirm-email',
    subject: 'Confirm your email for Baton',
    blocks: [
      'Hello,',
      `Someone made a Baton account with this address (${context.to}). If it was you, confirm that this email is yours:`,
      {
        label: 'Confirm my account',
        href: absoluteLink(context.origin, `/confirm/${context.token}`),
      },
      'The link works once, within 7 days. You can ask for a new one on your account page.',
      'If you did not make this account, ignore this email: nothing is confirmed without the link.',
      SIGNATURE,
    ],
  });
}

/**
 * The email with a `/confirm-email/<token>` link, sent to the address an account asked to
 * move to: its subject says "Confirm" and "email". The account keeps its address until the
 * link is used, by the person signed in to that account.
 */
export function emailChangeEmail(context: LinkContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'email-change',
    subject: 'Confirm your new email for Baton',
    blocks: [
      'Hello,',
      `Someone asked to change the email of a Baton account to this address (${context.to}). If it was you, confirm it here while you are logged in to that account:`,
      {
        label: 'Confirm new email',
        href: absoluteLink(context.origin, `/confirm-email/${context.token}`),
      },
      'The link works once, within 24 hours. Until it is used, the account keeps its current email.',
      'If you did not ask for this, ignore this email: nothing changes.',
      SIGNATURE,
    ],
  });
}
