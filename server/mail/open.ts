/**
 * The transport a MAIL_URL names: `mailbox:` keeps emails in the store's mailbox,
 * `smtp://…` and `smtps://…` send them through that server.
 */
import type { MailUrl } from '../config.ts';
import type { MailboxStore } from '../store/store.ts';
import { createMailboxTransport } from './mailbox.ts';
import { createSmtpTransport } from './smtp.ts';
import type { MailTransport } from './transport.ts';

export function openMailTransport(
  url: MailUrl,
  deps: { mailbox: MailboxStore; now?: () => number },
): MailTransport {
  return url.kind === 'mailbox'
    ? createMailboxTransport(deps.mailbox, deps.now)
    : createSmtpTransport(url);
}
