/**
 * The new-device notice (issue 16): a sign-in from a browser that never signed in to the
 * account before emails the account "New sign-in from <browser>", with a link to its
 * sessions page; a sign-up's own browser, and a browser seen before, get no email. Read back
 * from the dev mailbox once the notices are decided and the mail queue is idle.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEntry } from '../../../server/http/dev-mailbox.ts';
import { createLogger } from '../../../server/logger.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { handoffFor, signUpAndRedeem } from '../../helpers/live-forms.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const PASSWORD = 'a long enough password';
const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
/** The injected clock: Tue, 05 Mar 2024 10:00:00 GMT. */
const NOW = Date.UTC(2024, 2, 5, 10, 0, 0);

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ now: () => NOW });
});
afterAll(() => server.stop());

/** The new-device notices sent to `to`, once every one (decided after its sign-in's response) is handed over. */
async function noticesTo(on: RunningServer, to: string): Promise<MailboxEntry[]> {
  await on.baton.mailer.idle();
  const all = (await (await fetch(`${on.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  return all.filter((email) => email.to === to && email.subject.startsWith('New sign-in'));
}

/** Posts a form as `browser` would, naming its User-Agent. */
function postAs(browser: BrowserSession, path: string, fields: Record<string, string>, ua: string) {
  return browser.fetch(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: browser.origin,
      'user-agent': ua,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Signs `email` in from `browser` over its live socket and redeems the handoff there. */
async function signInLive(browser: BrowserSession, email: string, ua = CHROME_ON_LINUX) {
  const handoff = await handoffFor(browser, 'login', { email, password: PASSWORD });
  const response = await postAs(browser, '/handoff', { handoff }, ua);
  expect(response.headers.get('location')).toBe('/account');
}

/** Signs `email` in from `browser` with the form posted without JavaScript. */
async function signInPlain(browser: BrowserSession, email: string, ua = CHROME_ON_LINUX) {
  const response = await postAs(browser, '/login', { email, password: PASSWORD }, ua);
  expect(response.headers.get('location')).toBe('/account');
}

/** A new account, signed up over the live socket in the browser it returns. */
async function signedUp(on: RunningServer = server) {
  const email = `${randomUUID()}@example.test`;
  const browser = new BrowserSession(on.url);
  await signUpAndRedeem(browser, { email, password: PASSWORD });
  return { email, browser };
}

describe('the new-device notice', () => {
  it('is not sent for the sign-up, nor for a later sign-in from the browser that signed up', async () => {
    const { email, browser } = await signedUp();

    await signInLive(browser, email);
    await signInPlain(browser, email);

    expect(await noticesTo(server, email)).toEqual([]);
  });

  it('is not sent for a sign-up posted without JavaScript either', async () => {
    const email = `${randomUUID()}@example.test`;
    const browser = new BrowserSession(server.url);
    await browser.fetch('/signup');
    await postAs(browser, '/signup', { email, password: PASSWORD }, CHROME_ON_LINUX);

    await signInPlain(browser, email);

    expect(await noticesTo(server, email)).toEqual([]);
  });

  it('is sent once for a sign-in from a second browser, and not again from that browser', async () => {
    const { email } = await signedUp();
    const second = new BrowserSession(server.url);

    await signInLive(second, email, CHROME_ON_LINUX);
    expect((await noticesTo(server, email)).map((notice) => notice.subject)).toEqual([
      'New sign-in from Chrome on Linux',
    ]);

    await signInLive(second, email);
    await signInPlain(second, email);
    expect(await noticesTo(server, email)).toHaveLength(1);
  });

  it('says which browser, when (UTC) and from where, links to the sessions page and says what to do', async () => {
    const { email } = await signedUp();

    await signInPlain(new BrowserSession(server.url), email, FIREFOX_ON_WINDOWS);

    const [notice, ...more] = await noticesTo(server, email);
    expect(more).toEqual([]);
    expect(notice?.subject).toBe('New sign-in from Firefox on Windows');
    expect(notice?.text).toContain(
      `Someone signed in to your Baton account (${email}) from Firefox on Windows, a browser that had not signed in to it before, on Tue, 05 Mar 2024 10:00:00 GMT, from the IP address 127.0.0.1.`,
    );
    expect(notice?.text).toContain('If it was not you, someone else knows your password.');
    expect(notice?.text).toContain(`Review your sessions:\n${server.origin}/account/sessions`);
    expect(notice?.text).toContain(`Change your password:\n${server.origin}/change-password`);
    expect(notice?.html).toContain(`<a href="${server.origin}/account/sessions"`);
    expect(notice?.html).toContain(`<a href="${server.origin}/change-password"`);
  });

  it('names a browser bowser does not know as an unknown browser', async () => {
    const { email } = await signedUp();

    await signInPlain(new BrowserSession(server.url), email, 'curl/8.5.0');

    expect((await noticesTo(server, email)).map((notice) => notice.subject)).toEqual([
      'New sign-in from an unknown browser',
    ]);
  });

  it('is sent for a sign-in posted without a binding cookie, which gets one and is known after', async () => {
    const { email } = await signedUp();
    const cookieless = new BrowserSession(server.url);

    await signInPlain(cookieless, email);
    expect(cookieless.cookies.has('baton.bind')).toBe(true);
    await signInPlain(cookieless, email);
    expect(await noticesTo(server, email)).toHaveLength(1);

    // A client that never keeps its cookies is new at every sign-in.
    await signInPlain(new BrowserSession(server.url), email);
    await signInPlain(new BrowserSession(server.url), email);
    expect(await noticesTo(server, email)).toHaveLength(3);
  });

  it('is sent once for 20 sign-ins at once from one new browser, over the socket and the plain post', async () => {
    const { email } = await signedUp();
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const handoffs = await Promise.all(
      Array.from({ length: 10 }, () => handoffFor(browser, 'login', { email, password: PASSWORD })),
    );

    const responses = await Promise.all([
      ...handoffs.map((handoff) => postAs(browser, '/handoff', { handoff }, CHROME_ON_LINUX)),
      ...Array.from({ length: 10 }, () =>
        postAs(browser, '/login', { email, password: PASSWORD }, CHROME_ON_LINUX),
      ),
    ]);

    expect(responses.map((response) => response.headers.get('location'))).toEqual(
      Array(20).fill('/account'),
    );
    expect(await noticesTo(server, email)).toHaveLength(1);
  });
});

describe('the new-device notice when the store fails it', () => {
  it('loses only the notice: the sign-in happens, and the failure is logged without the browser', async () => {
    const logs = captureLogs();
    const real = openSqliteStore({ file: ':memory:' });
    const broken = {
      ...real,
      devices: {
        remember: () => Promise.reject(new Error('the store is on fire')),
        count: real.devices.count,
      },
    };
    const failing = await startServer({
      store: broken,
      logger: createLogger({ level: 'info', destination: logs.destination }),
    });
    try {
      const { email } = await signedUp(failing);
      const second = new BrowserSession(failing.url);

      await signInLive(second, email);
      await signInPlain(second, email);

      expect(await noticesTo(failing, email)).toEqual([]);
      const failures = logs.records().filter((r) => r.msg === 'new-device notice not decided');
      // The sign-up's redeem, the live sign-in and the plain one: each logged once.
      expect(failures).toHaveLength(3);
      expect(logs.text()).not.toContain(second.cookies.get('baton.bind'));
    } finally {
      await failing.stop();
      await real.close();
    }
  });
});
