/**
 * The dev mailbox's routes, mounted only with MAIL_URL=mailbox: outside production (see
 * app.ts); anywhere else they do not exist (404). `GET /dev/mailbox/json` lists every
 * email kept, newest first. The HTML page, /dev/mailbox, comes with the Solid pages.
 */
import type Router from '@koa/router';
import type { MailboxStore } from '../store/store.ts';

/** One email as `/dev/mailbox/json` shows it (`sentAt` in ISO 8601). */
export interface MailboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

export function addDevMailboxRoutes(router: Router, mailbox: MailboxStore): void {
  router.get('/dev/mailbox/json', async (ctx) => {
    const emails = await mailbox.list();
    // Working links to other people's accounts: never kept by a cache.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = emails.map(
      (email): MailboxEntry => ({
        id: email.id,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        sentAt: new Date(email.sentAt).toISOString(),
      }),
    );
  });
}
