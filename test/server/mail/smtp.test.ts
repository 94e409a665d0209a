/**
 * Email over SMTP, end to end: a real SMTP server in the test process (smtp-server on
 * port 0), each message read back with mailparser. The transport alone, then the whole app:
 * a password change delivered with both parts and the right sender and recipient, a reset
 * link followed from the message as received, and a
 * server that refuses it retried, then given up, with no address or link in the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/logger.ts';
import { passwordChangedNotice } from '../../../server/mail/notices.ts';
import type { Schedule } from '../../../server/mail/queue.ts';
import { createSmtpTransport } from '../../../server/mail/smtp.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp-server.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const OLD = 'the old password 1';
const NEW = 'a brand new password 2';
const FROM = 'Baton Accounts <accounts@baton.example>';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function smtp(options: Parameters<typeof startSmtpServer>[0] = {}): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function baton(overrides: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const server = await startServer(overrides);
  cleanups.push(() => server.stop());
  return server;
}

/** Signs a new person up, then changes their password over the plain post. */
async function changePassword(server: RunningServer, email: string): Promise<Response> {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  await browser.post('/signup', { email, password: OLD });
  return browser.post('/change-password', { password: OLD, newPassword: NEW });
}

describe('the SMTP transport', () => {
  it('delivers an email with its text and HTML parts, sender and recipient', async () => {
    const catcher = await smtp();
    const transport = createSmtpTransport({
      kind: 'smtp',
      secure: false,
      host: '127.0.0.1',
      port: catcher.port,
    });
    cleanups.push(() => transport.close());
    const notice = passwordChangedNotice({
      to: 'ada@example.com',
      origin: 'https://baton.example',
      at: Date.UTC(2025, 2, 5, 10),
    });

    await transport.deliver({ ...notice, from: FROM });

    expect(catcher.received).toHaveLength(1);
    const [mail] = catcher.received;
    expect(mail?.envelope).toEqual({ from: 'accounts@baton.example', to: ['ada@example.com'] });
    expect(mail?.parsed.from?.value).toEqual([
      { name: 'Baton Accounts', address: 'accounts@baton.example' },
    ]);
    expect(mail?.parsed.to).toMatchObject({ value: [{ name: '', address: 'ada@example.com' }] });
    expect(mail?.parsed.subject).toBe('Your password was changed');
    expect(mail?.parsed.text).toBe(notice.text);
    expect(mail?.parsed.html).toBe(notice.html);
  });

  it("signs in with MAIL_URL's user and password", async () => {
    const catcher = await smtp({ auth: { user: 'mailer', pass: 'p@ss w0rd' } });
    const transport = createSmtpTransport({
      kind: 'smtp',
      secure: false,
      host: '127.0.0.1',
      port: catcher.port,
      auth: { user: 'mailer', pass: 'p@ss w0rd' },
    });
    cleanups.push(() => transport.close());
    const notice = passwordChangedNotice({
      to: 'ada@example.com',
      origin: 'https://baton.example',
      at: 0,
    });

    await transport.deliver({ ...notice, from: FROM });

    expect(catcher.received.map((mail) => mail.user)).toEqual(['mailer']);
  });
});

describe('Baton with MAIL_URL=smtp://', () => {
  it('emails the password-changed notice through the SMTP server', async () => {
    const catcher = await smtp();
    const server = await baton({
      mail: {
        url: { kind: 'smtp', secure: false, host: '127.0.0.1', port: catcher.port },
        from: FROM,
      },
    });

    const response = await changePassword(server, 'grace@example.com');
    expect(response.headers.get('location')).toBe('/account');
    await server.baton.mailer.idle();

    // The sign-up's confirmation email went first; the two may arrive in either order.
    expect(catcher.received.map((mail) => mail.parsed.subject).sort()).toEqual([
      'Confirm your email for Baton',
      'Your password was changed',
    ]);
    const notice = catcher.received.find(
      (mail) => mail.parsed.subject === 'Your password was changed',
    );
    const { envelope, parsed } = notice as (typeof catcher.received)[number];
    expect(envelope).toEqual({ from: 'accounts@baton.example', to: ['grace@example.com'] });
    expect(parsed.from?.value).toEqual([
      { name: 'Baton Accounts', address: 'accounts@baton.example' },
    ]);
    expect(parsed.subject).toBe('Your password was changed');
    expect(parsed.text).toContain('The password of your Baton account (grace@example.com)');
    expect(parsed.text).toContain(`${server.origin}/forgot-password`);
    expect(parsed.html).toContain(`<a href="${server.origin}/forgot-password"`);
    // And nothing is kept in the dev mailbox, which does not exist here.
    expect(await server.store.mailbox.list()).toEqual([]);
    expect((await fetch(`${server.url}/dev/mailbox/json`)).status).toBe(404);
  });

  it('emails a reset link that works end to end, followed from the message as received', async () => {
    const catcher = await smtp();
    const server = await baton({
      mail: {
        url: { kind: 'smtp', secure: false, host: '127.0.0.1', port: catcher.port },
        from: FROM,
      },
    });
    const signup = new BrowserSession(server.url);
    await signup.fetch('/signup');
    await signup.post('/signup', { email: 'ada@example.com', password: OLD });

    const browser = new BrowserSession(server.url);
    await browser.fetch('/forgot-password');
    await browser.post('/forgot-password', { email: 'ada@example.com' });
    await server.baton.mailer.idle();

    // The sign-up's confirmation email, and the reset link.
    expect(catcher.received).toHaveLength(2);
    const mailed = catcher.received.find((mail) => mail.parsed.subject?.includes('Reset'));
    const { envelope, parsed } = mailed as (typeof catcher.received)[number];
    expect(envelope).toEqual({ from: 'accounts@baton.example', to: ['ada@example.com'] });
    const link = /https?:\/\/\S+\/reset-password\/[\w-]+/.exec(parsed.text ?? '')?.[0];
    expect(link?.startsWith(`${server.origin}/reset-password/`)).toBe(true);
    expect(parsed.html).toContain(`<a href="${link}"`);

    const path = new URL(link as string).pathname;
    expect((await browser.fetch(path)).status).toBe(200);
    const reset = await browser.post(path, { newPassword: NEW });
    expect(reset.headers.get('location')).toBe('/account');
    expect(await (await browser.fetch('/account')).text()).toContain('Your password was reset.');
    const again = new BrowserSession(server.url);
    expect(
      (await again.post('/login', { email: 'ada@example.com', password: NEW })).headers.get(
        'location',
      ),
    ).toBe('/account');
    // The link works once.
    const used = await new BrowserSession(server.url).fetch(path);
    expect(used.headers.get('location')).toBe('/forgot-password');
  });

  it('answers the form without waiting for a server that refuses, retries, then logs the failure without the address or link', async () => {
    const refusal = '550 No such user here: grace2@example.com';
    const catcher = await smtp({ refuse: { code: 550, message: refusal } });
    const logs = captureLogs();
    const timers: Array<() => void> = [];
    const schedule: Schedule = (task) => {
      timers.push(task);
      return () => {};
    };
    const server = await baton({
      mail: {
        url: { kind: 'smtp', secure: false, host: '127.0.0.1', port: catcher.port },
        from: FROM,
      },
      mailQueue: { retryDelaysMs: [1_000, 5_000], schedule },
      logger: createLogger({ level: 'info', destination: logs.destination }),
    });

    const response = await changePassword(server, 'grace2@example.com');
    expect(response.headers.get('location')).toBe('/account');
    // Two emails (the sign-up's confirmation, the notice), each retried twice, on timers
    // only the test fires.
    for (let fired = 0; fired < 4; fired += 1) {
      await expect.poll(() => timers.length).toBeGreaterThan(fired);
      timers[fired]?.();
    }
    await server.baton.mailer.idle();

    expect(catcher.recipientsTried()).toBe(6);
    expect(catcher.received).toEqual([]);
    const mailLogs = logs.records().filter((r) => String(r.code).startsWith('mail.'));
    for (const kind of ['confirm-email', 'password-changed']) {
      expect(
        mailLogs.filter((r) => r.kind === kind).map((r) => [r.code, r.attempt, r.responseCode]),
        kind,
      ).toEqual([
        ['mail.retry', 1, 550],
        ['mail.retry', 2, 550],
        ['mail.failed', 3, 550],
      ]);
    }
    expect(mailLogs).toHaveLength(6);
    const text = logs.text();
    for (const secret of [
      'grace2@example.com',
      'forgot-password',
      '/confirm/',
      'Your password was changed',
      'Confirm your email',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
