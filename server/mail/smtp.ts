/**
 * Sending through an SMTP server (MAIL_URL=smtp://… or smtps://…) with nodemailer. Each
 * email is a multipart message with the text and the HTML part. Timeouts are short, so a
 * server that stops answering fails the attempt (the queue retries it) instead of holding
 * it for nodemailer's minutes.
 */
import { createTransport } from 'nodemailer';
import type { MailUrl } from '../config.ts';
import type { MailTransport } from './transport.ts';

export type SmtpUrl = Extract<MailUrl, { kind: 'smtp' }>;

/** How long to wait for a connection, for the server's greeting, and for any reply. */
export const SMTP_TIMEOUTS = Object.freeze({
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 30_000,
});

export function createSmtpTransport(url: SmtpUrl): MailTransport {
  const transporter = createTransport({
    host: url.host,
    port: url.port,
    secure: url.secure,
    ...(url.auth ? { auth: { user: url.auth.user, pass: url.auth.pass } } : {}),
    connectionTimeout: SMTP_TIMEOUTS.connectionMs,
    greetingTimeout: SMTP_TIMEOUTS.greetingMs,
    socketTimeout: SMTP_TIMEOUTS.socketMs,
    // The content is always strings: never let a part be read from a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    kind: 'smtp',
    async deliver(email) {
      await transporter.sendMail({
        from: email.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
    },
    async close() {
      transporter.close();
    },
  };
}
