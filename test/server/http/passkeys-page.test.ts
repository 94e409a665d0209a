/**
 * /account/passkeys (server/http/passkeys-page.ts): the list, and "Rename" and "Remove" as
 * plain posts that work without JavaScript, each under sudo mode and the Origin guard.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PASSKEYS_ACTIONS } from '../../../shared/page.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { pageData } from '../../helpers/live-forms.ts';
import {
  addPasskey,
  handoffOf,
  type PasskeyServer,
  passkeySignIn,
  refusal,
  SUDO_MS,
  startPasskeyServer,
} from '../../helpers/passkeys.ts';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.ts';
import type { RunningServer } from '../../helpers/start-server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(): Promise<PasskeyServer> {
  const started = await startPasskeyServer();
  server = started.server;
  return started;
}

/** A signed-in browser with one passkey ("Laptop"), the page's flash already shown. */
async function withPasskey(started: PasskeyServer, email: string) {
  const browser = await started.signedUp(email);
  const authenticator = new SoftAuthenticator();
  const reply = await addPasskey(browser, authenticator, started.origin, 'Laptop');
  await browser.post('/handoff', { handoff: handoffOf(reply) });
  return { browser, authenticator, id: authenticator.credentialId };
}

async function page(browser: BrowserSession) {
  const html = await (await browser.fetch('/account/passkeys')).text();
  const data = pageData(html);
  if (data.page !== 'passkeys') throw new Error(`not the passkeys page: ${data.page}`);
  return { html, data };
}

describe('the passkeys page', () => {
  it('lists the passkeys with when each was added and last used, and says once that one was added', async () => {
    const started = await start();
    const { browser } = await withPasskey(started, 'list@example.com');

    const { html, data } = await page(browser);

    expect(data.flash).toEqual([
      { kind: 'info', text: 'Passkey “Laptop” added. You can sign in with it now.' },
    ]);
    expect(data.passkeys).toEqual([
      expect.objectContaining({ name: 'Laptop', lastUsedAt: null, createdAt: expect.any(Number) }),
    ]);
    expect(data.available).toBe(true);
    expect(html).toContain('<title>Passkeys · Baton</title>');
    expect(html).toContain('Never used to sign in');
    expect((await page(browser)).data.flash).toEqual([]);
  });

  it('says in its own markup that adding a passkey needs JavaScript, the button disabled', async () => {
    const started = await start();
    const browser = await started.signedUp('no-script@example.com');

    const { html } = await page(browser);

    expect(html).toContain('Adding a passkey needs JavaScript.');
    expect(html).toMatch(/<button[^>]*disabled[^>]*>Add a passkey<\/button>/);
  });

  it('sends a signed-out visitor to /login and a stale session to /confirm-password, back here after', async () => {
    const started = await start();
    const stranger = await started.visitor();
    expect((await stranger.fetch('/account/passkeys')).headers.get('location')).toBe('/login');

    const browser = await started.signedUp('stale@example.com');
    started.clock.advance(SUDO_MS + 1);

    const asked = await browser.fetch('/account/passkeys');
    expect(asked.headers.get('location')).toBe('/confirm-password');
    const post = await browser.post(PASSKEYS_ACTIONS.remove, { id: 'x' });
    expect(post.headers.get('location')).toBe('/confirm-password');
  });
});

describe('renaming and removing a passkey with plain posts', () => {
  it('renames a passkey, normalizing the name, and says so', async () => {
    const started = await start();
    const { browser, id } = await withPasskey(started, 'rename@example.com');

    const renamed = await browser.post(PASSKEYS_ACTIONS.rename, { id, name: '  Work   phone ' });

    expect(renamed.status).toBe(303);
    expect(renamed.headers.get('location')).toBe('/account/passkeys');
    const { data } = await page(browser);
    expect(data.passkeys.map((passkey) => passkey.name)).toEqual(['Work phone']);
    expect(data.flash).toEqual([{ kind: 'info', text: 'Passkey renamed to “Work phone”.' }]);
  });

  it('refuses an empty or too long name, keeping the old one', async () => {
    const started = await start();
    const { browser, id } = await withPasskey(started, 'bad-name@example.com');

    for (const name of ['   ', 'x'.repeat(51)]) {
      await browser.post(PASSKEYS_ACTIONS.rename, { id, name });
      const { data } = await page(browser);
      expect(data.passkeys.map((passkey) => passkey.name)).toEqual(['Laptop']);
      expect(data.flash).toEqual([
        { kind: 'error', text: 'Give the passkey a name of 1 to 50 characters.' },
      ]);
    }
  });

  it('removes a passkey, which then signs nobody in', async () => {
    const started = await start();
    const { browser, authenticator, id } = await withPasskey(started, 'remove@example.com');

    const removed = await browser.post(PASSKEYS_ACTIONS.remove, { id });

    expect(removed.headers.get('location')).toBe('/account/passkeys');
    const { data } = await page(browser);
    expect(data.passkeys).toEqual([]);
    expect(data.flash).toEqual([
      { kind: 'info', text: 'Passkey “Laptop” removed. It no longer signs you in.' },
    ]);
    const reply = await passkeySignIn(await started.visitor(), authenticator, started.origin);
    expect(refusal(reply)).toBe('passkey.unknown');
  });

  it('neither renames nor removes another account’s passkey', async () => {
    const started = await start();
    const owner = await withPasskey(started, 'owner@example.com');
    const other = await started.signedUp('other@example.com');

    await other.post(PASSKEYS_ACTIONS.rename, { id: owner.id, name: 'Mine now' });
    expect((await page(other)).data.flash).toEqual([
      { kind: 'error', text: 'That passkey is not on your account.' },
    ]);
    await other.post(PASSKEYS_ACTIONS.remove, { id: owner.id });
    expect((await page(other)).data.flash).toEqual([
      { kind: 'error', text: 'That passkey is not on your account.' },
    ]);

    expect((await page(owner.browser)).data.passkeys.map((passkey) => passkey.name)).toEqual([
      'Laptop',
    ]);
  });

  it('refuses a post from another origin with 403, changing nothing', async () => {
    const started = await start();
    const { browser, id } = await withPasskey(started, 'cross-site@example.com');
    const forged = new BrowserSession(started.server.url, 'https://evil.example');
    for (const [name, value] of browser.cookies) forged.cookies.set(name, value);

    expect((await forged.post(PASSKEYS_ACTIONS.remove, { id })).status).toBe(403);
    expect((await page(browser)).data.passkeys).toHaveLength(1);
  });

  it('removes the passkey when removals race a sign-in with it, and it signs nobody in after', async () => {
    const started = await start();
    const { browser, authenticator, id } = await withPasskey(started, 'race@example.com');

    const [, ...removals] = await Promise.all([
      passkeySignIn(await started.visitor(), authenticator, started.origin),
      ...Array.from({ length: 6 }, () => browser.post(PASSKEYS_ACTIONS.remove, { id })),
    ]);

    for (const removal of removals) expect(removal.status).toBe(303);
    const account = await started.server.store.accounts.findByEmail('race@example.com');
    expect(await started.server.store.passkeys.listForAccount(account?.id ?? '')).toEqual([]);
    const after = await passkeySignIn(await started.visitor(), authenticator, started.origin);
    expect(refusal(after)).toBe('passkey.unknown');
  });
});
