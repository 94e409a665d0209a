/**
 * The dev mailbox's routes, mounted only with MAIL_URL=mailbox: outside production (see
 * app.ts); anywhere else they do not exist (404). `GET /dev/mailbox` lists every email kept,
 * newest first, with its text part readable and its links clickable (a page rendered by
 * Solid, as every page); `GET /dev/mailbox/<id>` shows one email's HTML part as it would
 * look in a mail reader; `GET /dev/mailbox/json` gives them all to scripts and tests.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import type { MailboxStore } from '../store/store.ts';
import { type PageDeps, sendPage } from './pages.ts';

/** One email as `/dev/mailbox/json` shows it (`sentAt` in ISO 8601). */
export interface MailboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

/**
 * The policy an email's HTML part is shown under: a sandbox (an origin of its own, so it
 * reaches no cookie or page of Baton's; no script, form or plugin), its inline styles and
 * nothing loaded from anywhere. Its links still work: they navigate this page.
 */
export const EMAIL_HTML_POLICY = [
  'sandbox allow-popups allow-popups-to-escape-sandbox',
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join(';');

/** Working links to other people's accounts: never kept by a cache. */
const noStore = (ctx: Koa.Context) => ctx.set('Cache-Control', 'no-store');

export function addDevMailboxRoutes(router: Router, mailbox: MailboxStore, pages: PageDeps): void {
  router.get('/dev/mailbox/json', async (ctx) => {
    const emails = await mailbox.list();
    noStore(ctx);
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
  router.get('mailbox', '/dev/mailbox', async (ctx) => {
    const emails = await mailbox.list();
    await sendPage(ctx, pages, {
      page: 'mailbox',
      emails: emails.map(({ id, to, subject, text, sentAt }) => ({
        id,
        to,
        subject,
        text,
        sentAt: new Date(sentAt).toISOString(),
      })),
      flash: [],
    });
  });
  router.get('/dev/mailbox/:id', async (ctx) => {
    const email = (await mailbox.list()).find((each) => each.id === ctx.params.id);
    if (!email) return; // 404
    noStore(ctx);
    ctx.set('Content-Security-Policy', EMAIL_HTML_POLICY);
    ctx.type = 'html';
    ctx.body = email.html;
  });
}
