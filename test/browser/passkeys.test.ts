/**
 * Passkeys in Chromium, with a virtual authenticator (CDP `WebAuthn.addVirtualAuthenticator`:
 * CTAP2, built in, discoverable credentials, the person verified): sign up, add a passkey on
 * /account/passkeys, rename it, log out, "Sign in with a passkey" on /login, remove it, and
 * the sign-in refused after. The page is served at http://localhost (a secure context, and a
 * host name a passkey can belong to), which PUBLIC_ORIGIN names first. axe finds nothing on
 * the passkeys page, light and dark; screenshots at 375 and 1280 px go to
 * test-output/screenshots (passkeys-*.png). Without JavaScript, the page says adding a
 * passkey needs it, and /login shows no passkey button. Once sudo mode has run out (the
 * server's clock moved on), /confirm-password offers "Use a passkey instead", and the
 * passkey brings the person back to the page that asked.
 *
 * The passkey autofill on /login: the email field is `autocomplete="username webauthn"`, a
 * conditional request waits there without a word (the authenticator's presence simulation
 * off, so nothing answers it), a reconnect cancels it and asks the new connection, and the
 * button cancels it and signs in. Chromium's virtual authenticator answers a conditional
 * request by itself while it simulates presence, as a person picking the passkey from the
 * list would: that signs in end to end. The button's own test runs in a browser without the
 * autofill, which would otherwise answer first.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { testClock } from '../helpers/outcomes.ts';
import { describeInBrowser, type InBrowserOptions } from './in-browser.ts';
import {
  checkAndShoot,
  liveOpen,
  markLiveSocket,
  pageWithErrors,
  shot,
  signUp,
} from './support.ts';

/** Several pages, axe twice and eight screenshots: more than the default 20 s on a busy machine. */
const LONG = { timeout: 90_000 };
/**
 * Served at http://localhost: a secure context, and a host name a passkey can belong to;
 * the server allows that origin first, and its own.
 */
const AT_LOCALHOST: InBrowserOptions = {
  host: 'localhost',
  origins: ({ url, base }) => [base, url],
};

/**
 * A platform authenticator that holds discoverable passkeys and verifies its user. With
 * automatic presence simulation it answers every request at once, the autofill's
 * (conditional) ones included; `presence(false)` leaves the requests made from then on
 * waiting, as a person who has not chosen yet.
 */
async function addVirtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    presence: (enabled: boolean) =>
      cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled }),
  };
}

/** A browser without passkey autofill (conditional mediation): only the button asks. */
async function withoutAutofill(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

/** What the log-in page's WebAuthn requests and socket frames were, as `recordWebAuthn` kept them. */
interface PageLog {
  path: string;
  /** Each `navigator.credentials.get()`: its mediation and how it ended (`pending` until then). */
  gets: Array<{ mediation: string | null; outcome: string }>;
  /** Each frame sent, as `<connection>:<type>` (connections counted from 0 on each page). */
  frames: string[];
}

/**
 * Records every page's WebAuthn `get()` calls and the frames its sockets send, in the tab's
 * sessionStorage so that the record survives the sign-in's navigation. `window.liveSockets`
 * holds the page's sockets, for a test to close one.
 */
async function recordWebAuthn(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const KEY = 'baton-test-webauthn';
    const all = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as PageLog[];
    const mine: PageLog = { path: location.pathname, gets: [], frames: [] };
    all.push(mine);
    const save = () => sessionStorage.setItem(KEY, JSON.stringify(all));
    save();
    const sockets: WebSocket[] = [];
    (window as unknown as { liveSockets: WebSocket[] }).liveSockets = sockets;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
      override send(data: string): void {
        const { type } = JSON.parse(data) as { type: string };
        mine.frames.push(`${sockets.indexOf(this)}:${type}`);
        save();
        super.send(data);
      }
    };
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
      const call = { mediation: options?.mediation ?? null, outcome: 'pending' };
      mine.gets.push(call);
      save();
      const ended = (outcome: string) => {
        call.outcome = outcome;
        save();
      };
      return get(options).then(
        (credential) => {
          ended('resolved');
          return credential;
        },
        (error: Error) => {
          ended(error.name);
          throw error;
        },
      );
    };
  });
}

/** The record of every page this tab loaded (see `recordWebAuthn`). */
const webAuthnLog = (page: Page) =>
  page.evaluate(
    () => JSON.parse(sessionStorage.getItem('baton-test-webauthn') ?? '[]') as PageLog[],
  );

/** The record of the last /login this tab loaded. */
async function loginLog(page: Page): Promise<PageLog | undefined> {
  return (await webAuthnLog(page)).filter((entry) => entry.path === '/login').at(-1);
}

/** axe in both colour schemes at 375 px, and screenshots at 375 and 1280 px in each. */
const checkAndShootPasskeys = (page: Page, name: string) =>
  checkAndShoot(page, `passkeys-${name}`, { axe: 375 });

describeInBrowser('passkeys in Chromium', AT_LOCALHOST, ({ server, newContext }) => {
  // Read once the server listens: the tests below name the pages by it.
  let base: string;
  beforeAll(() => {
    base = server.base;
  });

  it('adds, renames and signs in with a passkey, and refuses it once removed', LONG, async () => {
    const context = await newContext();
    await markLiveSocket(context);
    // The button's own path: with the autofill, the virtual authenticator would answer first.
    await withoutAutofill(context);
    const { page, errors } = await pageWithErrors(context);
    await addVirtualAuthenticator(page);
    const main = page.getByRole('main');
    await signUp(page, base, 'chromium-passkey@example.com');

    await page
      .getByRole('navigation', { name: 'Account' })
      .getByRole('link', { name: 'Passkeys' })
      .click();
    await page.waitForURL(`${base}/account/passkeys`);
    await expect.poll(() => main.getByText('You have no passkeys yet.').count()).toBe(1);
    await checkAndShootPasskeys(page, 'empty');
    await liveOpen(page);
    await main.getByLabel('Passkey name').fill('Chromium');
    await main.getByRole('button', { name: 'Add a passkey' }).click();

    await expect
      .poll(() => main.getByText('Passkey “Chromium” added. You can sign in with it now.').count())
      .toBe(1);
    expect(await main.locator('.passkey-name').allTextContents()).toEqual(['Chromium']);
    await checkAndShootPasskeys(page, 'added');

    await main.getByLabel('New name for Chromium').fill('Test laptop');
    await main.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => main.getByText('Passkey renamed to “Test laptop”.').count()).toBe(1);
    expect(await main.locator('.passkey-name').allTextContents()).toEqual(['Test laptop']);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    await liveOpen(page);
    await main.getByRole('button', { name: 'Sign in with a passkey' }).click();

    await page.waitForURL(`${base}/account`);
    expect(await main.getByText('Welcome back!').count()).toBe(1);
    await page.goto(`${base}/account/passkeys`);
    await expect.poll(() => main.getByText(/Last used \d{4}-/).count()).toBe(1);
    await main.getByRole('button', { name: 'Remove' }).click();
    await expect
      .poll(() =>
        main.getByText('Passkey “Test laptop” removed. It no longer signs you in.').count(),
      )
      .toBe(1);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    await liveOpen(page);
    await main.getByRole('button', { name: 'Sign in with a passkey' }).click();

    const alert = main.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toBe('That passkey is not registered with any account.');
    expect(page.url()).toBe(`${base}/login`);
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'passkeys-login-refused-375');
    expect(errors).toEqual([]);
  });

  it(
    'says without JavaScript that adding a passkey needs it, and /login offers no passkey button',
    LONG,
    async () => {
      const context = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      const main = page.getByRole('main');
      await page.goto(`${base}/login`);
      expect(await main.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
      expect(await main.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
      await signUp(page, base, 'no-js-passkey@example.com');

      await page.goto(`${base}/account/passkeys`);

      expect(
        await main
          .getByText('Adding a passkey needs JavaScript. Turn it on in your browser to add one.')
          .count(),
      ).toBe(1);
      expect(await main.getByRole('button', { name: 'Add a passkey' }).isDisabled()).toBe(true);
      await page.setViewportSize({ width: 375, height: 800 });
      await shot(page, 'passkeys-no-js-375');
    },
  );
});

describeInBrowser('passkey autofill on /login in Chromium', AT_LOCALHOST, (inBrowser) => {
  const { server, newContext } = inBrowser;

  // Read once the server listens: the tests below name the pages by it.
  let base: string;
  beforeAll(() => {
    base = server.base;
  });

  /** A person signed up in a new context, with a passkey on this browser's authenticator. */
  async function withPasskey(email: string) {
    const context = await newContext();
    await markLiveSocket(context);
    await recordWebAuthn(context);
    const { page, errors } = await pageWithErrors(context);
    const authenticator = await addVirtualAuthenticator(page);
    await signUp(page, base, email);
    await page.goto(`${base}/account/passkeys`);
    await liveOpen(page);
    await page.getByRole('main').getByLabel('Passkey name').fill('Chromium');
    await page.getByRole('main').getByRole('button', { name: 'Add a passkey' }).click();
    await expect
      .poll(() => page.getByRole('main').locator('.passkey-name').allTextContents())
      .toEqual(['Chromium']);
    return { page, errors, authenticator };
  }

  it(
    'waits in the email field’s autofill without a word, moves to the new connection after a reconnect, and gives way to the button',
    LONG,
    async () => {
      const { page, errors, authenticator } = await withPasskey('autofill@example.com');
      const main = page.getByRole('main');
      // Requests from here on wait for a choice, as a person's browser does.
      await authenticator.presence(false);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${base}/login`);

      expect(await main.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
      await expect
        .poll(() => loginLog(page))
        .toMatchObject({
          gets: [{ mediation: 'conditional', outcome: 'pending' }],
          frames: ['0:passkey-options'],
        });
      expect(await main.getByRole('alert').count()).toBe(0);

      // A new connection: the old request's challenge was the old socket's.
      await page.evaluate(() =>
        (window as unknown as { liveSockets: WebSocket[] }).liveSockets[0]?.close(),
      );
      await expect
        .poll(() => loginLog(page))
        .toMatchObject({
          gets: [
            { mediation: 'conditional', outcome: 'AbortError' },
            { mediation: 'conditional', outcome: 'pending' },
          ],
          frames: ['0:passkey-options', '1:passkey-options'],
        });
      expect(await main.getByRole('alert').count()).toBe(0);

      // The person's authenticator answers the next request: the button's, once it has
      // cancelled the autofill's.
      await authenticator.presence(true);
      await main.getByRole('button', { name: 'Sign in with a passkey' }).click();

      await page.waitForURL(`${base}/account`);
      expect(await main.getByText('Welcome back!').count()).toBe(1);
      expect(await loginLog(page)).toMatchObject({
        gets: [
          { mediation: 'conditional', outcome: 'AbortError' },
          { mediation: 'conditional', outcome: 'AbortError' },
          { mediation: null, outcome: 'resolved' },
        ],
        frames: [
          '0:passkey-options',
          '1:passkey-options',
          '1:passkey-options',
          '1:passkey-sign-in',
        ],
      });
      expect(errors).toEqual([]);
    },
  );

  it('signs in with the passkey the autofill answers with, as the button does', LONG, async () => {
    const { page, errors } = await withPasskey('autofill-answered@example.com');

    // Chromium's virtual authenticator, simulating the person's presence, answers the
    // autofill's request by itself: as a person picking the passkey from the list.
    await page.getByRole('button', { name: 'Log out' }).click();

    await page.waitForURL(`${base}/account`);
    expect(await page.getByRole('main').getByText('Welcome back!').count()).toBe(1);
    expect(await loginLog(page)).toMatchObject({
      gets: [{ mediation: 'conditional', outcome: 'resolved' }],
      frames: ['0:passkey-options', '0:passkey-sign-in'],
    });
    expect(errors).toEqual([]);
  });
});

const SUDO_MS = 10 * 60_000;
const clock = testClock();

const SUDO = { ...AT_LOCALHOST, server: { now: clock.now, sudoMs: SUDO_MS } };

describeInBrowser('a passkey confirming the person in Chromium (sudo mode)', SUDO, (inBrowser) => {
  const { server, newContext } = inBrowser;

  // Read once the server listens: the tests below name the pages by it.
  let base: string;
  beforeAll(() => {
    base = server.base;
  });

  it(
    'sends /account/passkeys to /confirm-password once sudo ran out, and a passkey brings it back',
    LONG,
    async () => {
      const context = await newContext();
      await markLiveSocket(context);
      const { page, errors } = await pageWithErrors(context);
      await addVirtualAuthenticator(page);
      const main = page.getByRole('main');
      await signUp(page, base, 'chromium-sudo@example.com');
      await page.goto(`${base}/account/passkeys`);
      await liveOpen(page);
      await main.getByLabel('Passkey name').fill('Chromium');
      await main.getByRole('button', { name: 'Add a passkey' }).click();
      await expect
        .poll(() => main.locator('.passkey-name').allTextContents())
        .toEqual(['Chromium']);

      clock.advance(SUDO_MS + 1000);
      await page.goto(`${base}/account/passkeys`);

      await page.waitForURL(`${base}/confirm-password`);
      expect(await main.getByText('Confirm your password to continue.').count()).toBe(1);
      await liveOpen(page);
      const usePasskey = main.getByRole('button', { name: 'Use a passkey instead' });
      await usePasskey.waitFor();
      await checkAndShootPasskeys(page, 'confirm');
      await usePasskey.click();

      await page.waitForURL(`${base}/account/passkeys`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Passkeys');
      expect(await main.locator('.passkey-name').allTextContents()).toEqual(['Chromium']);
      expect(errors).toEqual([]);
    },
  );

  it('offers no passkey on /confirm-password to an account without one', LONG, async () => {
    const context = await newContext();
    const { page } = await pageWithErrors(context);
    await signUp(page, base, 'chromium-no-passkey@example.com');

    await page.goto(`${base}/confirm-password`);

    await page.getByRole('main').getByLabel('Password', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Use a passkey instead' }).count()).toBe(0);
  });
});
