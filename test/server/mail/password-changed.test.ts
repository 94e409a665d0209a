/**
 * The contract's promise that `/change-password` emails the account a notice, through the
 * live socket and the plain post alike, read back from the dev mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { submitOverSocket } from '../../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const OLD = 'the old password 1';
const NEW = 'a brand new password 2';
/** What every sign-up mails first. */
const CONFIRM = 'Confirm your email for Baton';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

let people = 0;
async function signedIn(): Promise<{ browser: BrowserSession; email: string }> {
  people += 1;
  const email = `notified-${people}@example.com`;
  const browser = new BrowserSession(server.url);
  await browser.fetch('/signup');
  await browser.post('/signup', { email, password: OLD });
  return { browser, email };
}

/** The emails the dev mailbox holds for `to`, once the queue has handed every one over. */
async function mailTo(to: string): Promise<MailboxEntry[]> {
  await server.baton.mailer.idle();
  const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter((email) => email.to === to);
}

describe('the password-changed notice', () => {
  it('is emailed to the account after a change posted without JavaScript', async () => {
    const { browser, email } = await signedIn();

    const response = await browser.post('/change-password', { password: OLD, newPassword: NEW });
    expect(response.headers.get('location')).toBe('/account');

    const [notice, ...more] = await mailTo(email);
    expect(more.map((mail) => mail.subject)).toEqual([CONFIRM]);
    expect(notice?.subject).toBe('Your password was changed');
    expect(notice?.text).toContain(`The password of your Baton account (${email}) was changed`);
    expect(notice?.text).toContain('If it was not you, someone else knows your password.');
    expect(notice?.text).toContain(`Reset your password:\n${server.origin}/forgot-password`);
    expect(notice?.html).toContain(`<a href="${server.origin}/forgot-password"`);
  });

  it('is emailed after a change over the live socket too', async () => {
    const { browser, email } = await signedIn();

    const reply = await submitOverSocket(browser, 'change-password', {
      password: OLD,
      newPassword: NEW,
    });
    expect(reply.type).toBe('accepted');

    expect((await mailTo(email)).map((notice) => notice.subject)).toEqual([
      'Your password was changed',
      CONFIRM,
    ]);
  });

  it('is not emailed when the change is refused', async () => {
    const { browser, email } = await signedIn();

    const response = await browser.post('/change-password', {
      password: 'not the password 9',
      newPassword: NEW,
    });
    expect(response.status).toBe(422);

    expect((await mailTo(email)).map((mail) => mail.subject)).toEqual([CONFIRM]);
  });
});
