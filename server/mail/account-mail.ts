/**
 * The emails the account forms ask for, by what happened rather than how it is written or
 * sent: a form calls `passwordChanged(address)` and goes on; the notice is written here and
 * queued (queue.ts), so a slow or failing mail server never holds up the form.
 */
import { accountDeletedNotice, passwordChangedNotice } from './notices.ts';
import type { Mailer } from './queue.ts';

export interface AccountMail {
  /** Queues the "Your password was changed" notice to the account's address. */
  passwordChanged(to: string): void;
  /** Queues the "Your Baton account was deleted" notice to the address the account had. */
  accountDeleted(to: string): void;
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
    accountDeleted(to) {
      options.mailer.send(accountDeletedNotice({ to, origin: options.origin(), at: now() }));
    },
  };
}
