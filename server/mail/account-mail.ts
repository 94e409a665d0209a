/**
 * The emails the account forms ask for, by what happened rather than how it is written or
 * sent: a form calls `passwordChanged(address)` and goes on; the notice is written here and
 * queued (queue.ts), so a slow or failing mail server never holds up the form.
 */
import {
  confirmEmailEmail,
  emailChangeEmail,
  loginLinkEmail,
  passwordResetEmail,
} from './link-emails.ts';
import {
  accountDeletedNotice,
  emailChangedNotice,
  newDeviceNotice,
  passkeyAddedNotice,
  passkeyRemovedNotice,
  passwordChangedNotice,
  twoFactorDisabledNotice,
} from './notices.ts';
import type { Mailer } from './queue.ts';

export interface AccountMail {
  /** Queues the "Your password was changed" notice to the account's address. */
  passwordChanged(to: string): void;
  /** Queues the "Two-factor authentication was turned off" notice to the account's address. */
  twoFactorDisabled(to: string): void;
  /** Queues the email with the link that resets the password (`token` from `issueToken`). */
  passwordReset(to: string, token: string): void;
  /** Queues the email with a link that signs the account in (`token` from `issueToken`). */
  loginLink(to: string, token: string): void;
  /** Queues the "Your Baton account was deleted" notice to the address the account had. */
  accountDeleted(to: string): void;
  /**
   * Queues the "New sign-in from <device>" notice: a browser that never signed in to the
   * account before did, at `at` (ms), from `ip`.
   */
  newDevice(to: string, signIn: { device: string; ip: string; at: number }): void;
  /** Queues the email with the link that confirms the address (`token` from `issueToken`). */
  confirmEmail(to: string, token: string): void;
  /** Queues the email with the link that moves an account to `to`, its new address (`token` from `issueToken`). */
  emailChange(to: string, token: string): void;
  /** Queues the "Your email was changed" notice to the address the account had (`to`). */
  emailChanged(to: string, newEmail: string): void;
  /** Queues the "A passkey was added to your Baton account" notice, naming the passkey. */
  passkeyAdded(to: string, name: string): void;
  /** Queues the "A passkey was removed from your Baton account" notice, naming the passkey. */
  passkeyRemoved(to: string, name: string): void;
}

export interface AccountMailOptions {
  mailer: Mailer;
  /**
   * The first PUBLIC_ORIGIN, every link's base. Read at each email: a test server learns
   * its own origin only once it listens.
   */
  origin: () => string;
  now?: () => number;
}

export function createAccountMail(options: AccountMailOptions): AccountMail {
  const now = options.now ?? Date.now;
  return {
    passwordChanged(to) {
      options.mailer.send(passwordChangedNotice({ to, origin: options.origin(), at: now() }));
    },
    twoFactorDisabled(to) {
      options.mailer.send(twoFactorDisabledNotice({ to, origin: options.origin(), at: now() }));
    },
    passwordReset(to, token) {
      options.mailer.send(passwordResetEmail({ to, origin: options.origin(), token }));
    },
    loginLink(to, token) {
      options.mailer.send(loginLinkEmail({ to, origin: options.origin(), token }));
    },
    accountDeleted(to) {
      options.mailer.send(accountDeletedNotice({ to, origin: options.origin(), at: now() }));
    },
    newDevice(to, signIn) {
      options.mailer.send(newDeviceNotice({ to, origin: options.origin(), ...signIn }));
    },
    confirmEmail(to, token) {
      options.mailer.send(confirmEmailEmail({ to, origin: options.origin(), token }));
    },
    emailChange(to, token) {
      options.mailer.send(emailChangeEmail({ to, origin: options.origin(), token }));
    },
    emailChanged(to, newEmail) {
      options.mailer.send(
        emailChangedNotice({ to, newEmail, origin: options.origin(), at: now() }),
      );
    },
    passkeyAdded(to, name) {
      options.mailer.send(passkeyAddedNotice({ to, name, origin: options.origin(), at: now() }));
    },
    passkeyRemoved(to, name) {
      options.mailer.send(passkeyRemovedNotice({ to, name, origin: options.origin(), at: now() }));
    },
  };
}
