/**
 * Where emails go: an SMTP server (smtp.ts) or the store's dev mailbox (mailbox.ts). The
 * queue (queue.ts) is the only caller; a transport only has to deliver one email or reject.
 */
import type { Email } from './email.ts';

/** An email with its sender (MAIL_FROM). */
export interface OutgoingEmail extends Email {
  from: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'mailbox';
  /** Resolves once the email is accepted (by the SMTP server, or kept); rejects otherwise. */
  deliver(email: OutgoingEmail): Promise<void>;
  /** Lets go of connections. */
  close(): Promise<void>;
}
