/**
 * The notices a passkey added or removed emails the account (issue 17): added over the live
 * socket's ceremony, removed with the passkeys page's plain post; each names the passkey and
 * the time, and links to the passkeys page and to changing the password. Renaming mails
 * nothing, nor does a refused add or remove. Read back from the dev mailbox; the clock is
 * injected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../../server/mail/transport.ts';
import { PASSKEYS_ACTIONS } from '../../../shared/page.ts';
import type { BrowserSession } from '../../helpers/browser-session.ts';
import {
  addPasskey,
  handoffOf,
  type PasskeyServer,
  refusal,
  startPasskeyServer,
} from '../../helpers/passkeys.ts';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.ts';

const ADDED = 'A passkey was added to your Baton account';
const REMOVED = 'A passkey was removed from your Baton account';

let started: PasskeyServer | undefined;
afterEach(async () => {
  await started?.server.stop();
  started = undefined;
});

/** The passkey notices the dev mailbox holds for `to`, newest first. */
async function noticesTo(server: PasskeyServer['server'], to: string) {
  await server.baton.mailer.idle();
  const all = await server.store.mailbox.list();
  return all.filter((email) => email.to === to && /passkey/i.test(email.subject));
}

/** A signed-up account with `authenticator`'s passkey, named `name`, on it. */
async function withPasskey(
  passkeys: PasskeyServer,
  email: string,
  authenticator: SoftAuthenticator,
  name: string,
): Promise<BrowserSession> {
  const browser = await passkeys.signedUp(email);
  await browser.post('/handoff', {
    handoff: handoffOf(await addPasskey(browser, authenticator, passkeys.origin, name)),
  });
  return browser;
}

describe('the passkey-added notice', () => {
  it('names the passkey and the time, and links to the passkeys page and to a password change', async () => {
    started = await startPasskeyServer();
    const { clock, origin, server } = started;
    const at = new Date(clock.now()).toUTCString();

    await withPasskey(started, 'added@example.com', new SoftAuthenticator(), 'Work laptop');

    const [notice, ...more] = await noticesTo(server, 'added@example.com');
    expect(more).toEqual([]);
    expect(notice?.subject).toBe(ADDED);
    expect(notice?.text).toContain(
      `A passkey named “Work laptop” was added to your Baton account (added@example.com) on ${at}.`,
    );
    expect(notice?.text).toContain('Remove that passkey on your passkeys page');
    expect(notice?.text).toContain(`Review your passkeys:\n${origin}/account/passkeys`);
    expect(notice?.text).toContain(`Change your password:\n${origin}/change-password`);
    expect(notice?.html).toContain(`<a href="${origin}/account/passkeys"`);
    expect(notice?.html).toContain(`<a href="${origin}/change-password"`);
  });

  it('is not sent for a passkey the server refused to add', async () => {
    started = await startPasskeyServer();
    const browser = await started.signedUp('refused-add@example.com');

    const reply = await addPasskey(
      browser,
      new SoftAuthenticator(),
      started.origin,
      'x'.repeat(60),
    );

    expect(refusal(reply)).toBe('passkey.name-invalid');
    expect(await noticesTo(started.server, 'refused-add@example.com')).toEqual([]);
  });
});

describe('the passkey-removed notice', () => {
  it('names the removed passkey and the time, with the same links', async () => {
    started = await startPasskeyServer();
    const { clock, origin, server } = started;
    const authenticator = new SoftAuthenticator();
    const browser = await withPasskey(started, 'removed@example.com', authenticator, 'Phone');
    clock.advance(60_000);
    const at = new Date(clock.now()).toUTCString();

    const response = await browser.post(PASSKEYS_ACTIONS.remove, {
      id: authenticator.credentialId,
    });

    expect(response.headers.get('location')).toBe('/account/passkeys');
    const [notice, added] = await noticesTo(server, 'removed@example.com');
    expect(added?.subject).toBe(ADDED);
    expect(notice?.subject).toBe(REMOVED);
    expect(notice?.text).toContain(
      `The passkey named “Phone” was removed from your Baton account (removed@example.com) on ${at}.`,
    );
    expect(notice?.text).toContain(`Review your passkeys:\n${origin}/account/passkeys`);
    expect(notice?.text).toContain(`Change your password:\n${origin}/change-password`);
  });

  it('is not sent for a passkey the account does not have', async () => {
    started = await startPasskeyServer();
    const browser = await withPasskey(
      started,
      'not-found@example.com',
      new SoftAuthenticator(),
      'Phone',
    );

    await browser.post(PASSKEYS_ACTIONS.remove, { id: new SoftAuthenticator().credentialId });

    const subjects = (await noticesTo(started.server, 'not-found@example.com')).map(
      (notice) => notice.subject,
    );
    expect(subjects).toEqual([ADDED]);
  });
});

describe('renaming a passkey', () => {
  it('emails nothing', async () => {
    started = await startPasskeyServer();
    const authenticator = new SoftAuthenticator();
    const browser = await withPasskey(started, 'renamed@example.com', authenticator, 'Phone');

    const response = await browser.post(PASSKEYS_ACTIONS.rename, {
      id: authenticator.credentialId,
      name: 'Old phone',
    });

    expect(response.headers.get('location')).toBe('/account/passkeys');
    const subjects = (await noticesTo(started.server, 'renamed@example.com')).map(
      (notice) => notice.subject,
    );
    expect(subjects).toEqual([ADDED]);
  });
});

describe('the passkey notices and a slow mail server', () => {
  it('hold back neither the added reply nor the removed redirect', async () => {
    const delivering: Array<{ email: OutgoingEmail; done: () => void }> = [];
    started = await startPasskeyServer(
      {},
      {
        mailQueue: {
          // Accepts each email only when the test says so.
          transport: {
            kind: 'smtp',
            deliver: (email) =>
              new Promise<void>((resolve) => delivering.push({ email, done: resolve })),
            close: async () => {},
          },
        },
      },
    );
    const authenticator = new SoftAuthenticator();
    const browser = await started.signedUp('slow-mail@example.com');

    const reply = await addPasskey(browser, authenticator, started.origin, 'Phone');
    await browser.post('/handoff', { handoff: handoffOf(reply) });
    const removed = await browser.post(PASSKEYS_ACTIONS.remove, {
      id: authenticator.credentialId,
    });

    // Answered while no email has been accepted yet: both notices are still on their way.
    expect(reply.type).toBe('accepted');
    expect(removed.headers.get('location')).toBe('/account/passkeys');
    expect(delivering.map((each) => each.email.subject)).toEqual(
      expect.arrayContaining([ADDED, REMOVED]),
    );
    for (const each of delivering) each.done();
    await started.server.baton.mailer.idle();
  });
});
