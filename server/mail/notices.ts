/**
 * The notices Baton emails about an account: short, in plain words, each saying what
 * happened, when, and what to do if it was not the account's owner.
 */
import { absoluteLink, composeEmail, type Email } from './email.ts';

/** Where a notice is going and what it can link to. */
export interface NoticeContext {
  to: string;
  /** The first PUBLIC_ORIGIN: every link is built on it. */
  origin: string;
  /** When it happened (ms since the epoch). */
  at: number;
}

const SIGNATURE = '— Baton';

/** "Tue, 05 Mar 2024 10:00:00 GMT": unambiguous whatever the reader's time zone. */
function when(at: number): string {
  return new Date(at).toUTCString();
}

/**
 * "Your password was changed": sent after every password change, to the account's address.
 * If it was not the owner, someone else has the password: the way back is a reset, which
 * ends every session of the account.
 */
export function passwordChangedNotice(context: NoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'password-changed',
    subject: 'Your password was changed',
    blocks: [
      'Hello,',
      `The password of your Baton account (${context.to}) was changed on ${when(context.at)}.`,
      'If you changed it, there is nothing more to do.',
      'If it was not you, someone else knows your password. Reset it now: resetting it signs every browser out of your account, including theirs.',
      { label: 'Reset your password', href: absoluteLink(context.origin, '/forgot-password') },
      SIGNATURE,
    ],
  });
}

/**
 * "Your account was deleted": sent to the address once its account is gone. Nothing is left
 * to protect, so it only says what happened; if it was not the owner, someone had their
 * password, and the address is free to sign up again.
 */
export function accountDeletedNotice(context: NoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'account-deleted',
    subject: 'Your Baton account was deleted',
    blocks: [
      'Hello,',
      `The Baton account of ${context.to} was deleted on ${when(context.at)}, with everything Baton kept for it, and it was signed out everywhere.`,
      'If you deleted it, there is nothing more to do.',
      'If it was not you, someone else knew your password. You can create an account with this address again, with a new password.',
      { label: 'Create an account', href: absoluteLink(context.origin, '/signup') },
      SIGNATURE,
    ],
  });
}
