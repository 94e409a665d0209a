/**
 * MAIL_URL=mailbox: keeps every email in the store instead of sending it, for development
 * and tests: /dev/mailbox shows them (http/dev-mailbox.ts). Never in production (config.ts
 * refuses it there), since the emails hold working links.
 */
import { randomUUID } from 'node:crypto';
import type { MailboxStore } from '../store/store.ts';
import type { MailTransport } from './transport.ts';

export function createMailboxTransport(
  mailbox: MailboxStore,
  now: () => number = Date.now,
): MailTransport {
  return {
    kind: 'mailbox',
    async deliver(email) {
      await mailbox.add({
        id: randomUUID(),
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        sentAt: now(),
      });
    },
    async close() {},
  };
}
