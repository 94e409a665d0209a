/**
 * A form's accepted outcome is a typed session change (server/accounts/outcome.ts): sign in
 * (with or without "Remember me"), confirm, sign out or nothing, with a flash and one of
 * Baton's own pages to go to. Each kind is run end to end on both paths: sealed into a
 * handoff by the live socket and redeemed, and applied at once by the plain post. The
 * handlers here are stand-ins passed to the server (BatonOptions.forms), as a new form's
 * handler would be written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FormHandler, HANDLERS } from '../../../server/accounts/forms.ts';
import { createLogger } from '../../../server/logger.ts';
import type { PagePath } from '../../../shared/page.ts';
import type { FormName } from '../../../shared/protocol.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type InspectableStore, openInspectableStore } from '../../helpers/inspect-store.ts';
import { pageData, submitOverSocket } from '../../helpers/live-forms.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import {
  BOTH_PATHS,
  PASSWORD,
  refOf,
  sessionCookieLine,
  signedUp,
  storedSession,
} from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

/** What the stand-in handlers answer, per form; each test sets what it needs. */
const scripts: Partial<Record<FormName, FormHandler>> = {};
const scripted =
  (form: FormName): FormHandler =>
  (deps, fields, who) =>
    (scripts[form] ?? HANDLERS[form])(deps, fields, who);

const logs = captureLogs();
let inspect: InspectableStore;
let server: RunningServer;
beforeAll(async () => {
  inspect = openInspectableStore();
  server = await startServer({
    store: inspect.store,
    logger: createLogger({ level: 'info', destination: logs.destination }),
    forms: {
      handlers: { login: scripted('login'), 'change-password': scripted('change-password') },
    },
  });
});
afterAll(async () => {
  await server.stop();
  await inspect.close();
});
beforeEach(() => {
  for (const form of Object.keys(scripts)) delete scripts[form as FormName];
});

let people = 0;
const nextEmail = (what: string) => `${what}-${++people}@example.com`;
/** Valid for change-password's rules; what the stand-in handler does with them is its own. */
const CHANGE = { password: PASSWORD, newPassword: 'another fine password 2' };

/** The login handler, asking for "Remember me" as the checkbox will (issue 16). */
const rememberingLogIn: FormHandler = async (deps, fields, who) => {
  const outcome = await HANDLERS.login(deps, fields, who);
  if (!outcome.ok || outcome.change.kind !== 'sign-in') return outcome;
  return { ...outcome, change: { ...outcome.change, remember: true } };
};

/** A "Delete account"-style outcome: this session ends, and /login says so. */
const signingOut: FormHandler = async () => ({
  ok: true,
  change: { kind: 'sign-out' },
  destination: '/login',
  flash: [{ kind: 'info', text: 'Your account was deleted.' }],
});

/** An outcome that leaves the session as it is: a saved setting, an email sent. */
const changingNothing: FormHandler = async () => ({
  ok: true,
  change: { kind: 'none' },
  destination: '/account',
  flash: [{ kind: 'info', text: 'Your settings are saved.' }],
});

/** A handler that names somewhere other than Baton's own pages (a bug). */
const goingTo =
  (destination: string): FormHandler =>
  async (deps, fields, who) => {
    const outcome = await HANDLERS.login(deps, fields, who);
    return outcome.ok ? { ...outcome, destination: destination as PagePath } : outcome;
  };

const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(BOTH_PATHS)('the sign-in outcome over %s', (_path, submit) => {
  it('without "Remember me" gives a cookie that ends with the browser', async () => {
    const email = nextEmail('plain');
    await signedUp(server.url, email).then((b) => b.post('/logout', {}));
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
    const line = sessionCookieLine(response) ?? '';
    expect(line).toMatch(/httponly/i);
    expect(line).not.toMatch(/expires=|max-age=/i);
    expect(await storedSession(server.store, browser)).toMatchObject({ remember: false });
  });

  it('with "Remember me" gives a persistent cookie for REMEMBER_DAYS', async () => {
    scripts.login = rememberingLogIn;
    const email = nextEmail('remember');
    await signedUp(server.url, email).then((b) => b.post('/logout', {}));
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');

    const response = await submit(browser, 'login', { email, password: PASSWORD });

    expect(response.headers.get('location')).toBe('/account');
    const expires = /expires=([^;]+)/i.exec(sessionCookieLine(response) ?? '')?.[1];
    const lifetime = Date.parse(expires ?? '') - Date.now();
    expect(lifetime).toBeGreaterThan(29 * DAY_MS);
    expect(lifetime).toBeLessThanOrEqual(30 * DAY_MS);
    expect(await storedSession(server.store, browser)).toMatchObject({ remember: true });
    const account = pageData(await (await browser.fetch('/account')).text());
    expect(account).toMatchObject({ page: 'account', email, signedInEmail: email });
  });

  it('records the sign-in as the time of last authentication', async () => {
    const email = nextEmail('auth-at');
    await signedUp(server.url, email).then((b) => b.post('/logout', {}));
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const before = Date.now();

    await submit(browser, 'login', { email, password: PASSWORD });

    const stored = await storedSession(server.store, browser);
    expect(stored?.authAt).toBe(stored?.signedInAt);
    expect(stored?.authAt).toBeGreaterThanOrEqual(before);
  });
});

describe.each(BOTH_PATHS)('the sign-out outcome over %s', (_path, submit) => {
  it('deletes the session row, clears the cookie, closes its sockets and says so', async () => {
    scripts['change-password'] = signingOut;
    const email = nextEmail('leaving');
    const browser = await signedUp(server.url, email);
    const ref = refOf(browser);
    const otherTab = await browser.openSocket();

    const response = await submit(browser, 'change-password', CHANGE);

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(browser.cookies.get('baton.sid')).toBeUndefined();
    expect(await server.store.sessions.get(ref ?? '')).toBeNull();
    expect(await otherTab.closed).toEqual({ code: 4001, reason: 'signed-out' });
    // No orphan: no stored session is signed in to the account any more.
    const rows = inspect.snapshot().sessions.filter((row) => row.data.includes(email));
    expect(rows).toEqual([]);
    const account = await server.store.accounts.findByEmail(email);
    const signedIn = inspect
      .snapshot()
      .sessions.filter((row) => JSON.parse(row.data).accountId === account?.id);
    expect(signedIn).toEqual([]);
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([{ kind: 'info', text: 'Your account was deleted.' }]);
    expect(login.signedInEmail).toBeNull();
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
  });

  it("ends only its own session: the account's other sessions stay", async () => {
    scripts['change-password'] = signingOut;
    const email = nextEmail('one-of-two');
    const browser = await signedUp(server.url, email);
    const elsewhere = new BrowserSession(server.url);
    await elsewhere.post('/login', { email, password: PASSWORD });

    await submit(browser, 'change-password', CHANGE);

    expect((await elsewhere.fetch('/account')).status).toBe(200);
  });
});

describe.each(BOTH_PATHS)('the none outcome over %s', (_path, submit) => {
  it('leaves the session as it was and shows the flash on the destination', async () => {
    scripts['change-password'] = changingNothing;
    const email = nextEmail('stays');
    const browser = await signedUp(server.url, email);
    const before = browser.cookies.get('baton.sid');
    const stored = await storedSession(server.store, browser);

    const response = await submit(browser, 'change-password', CHANGE);

    expect(response.headers.get('location')).toBe('/account');
    expect(sessionCookieLine(response)).toBeUndefined();
    expect(browser.cookies.get('baton.sid')).toBe(before);
    expect(await storedSession(server.store, browser)).toEqual(stored);
    const account = pageData(await (await browser.fetch('/account')).text());
    expect(account.flash).toEqual([{ kind: 'info', text: 'Your settings are saved.' }]);
  });
});

describe("an outcome's destination", () => {
  const OFF_SITE = ['//evil.example', 'https://x', '/account/../../evil', 'account', '/nowhere'];

  it.each(OFF_SITE)('refuses %j at seal time on the live socket, sealing nothing', async (to) => {
    scripts.login = goingTo(to);
    const email = nextEmail('off-site');
    await signedUp(server.url, email).then((b) => b.post('/logout', {}));
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');

    const reply = await submitOverSocket(browser, 'login', { email, password: PASSWORD });

    expect(reply).toMatchObject({ type: 'error', code: 'server.error' });
    expect(logs.text()).toContain(
      `A form's destination must be one of Baton's own pages (/account, /account/sessions, /login, /signup, /change-password, /confirm-password, /account/delete); got ${JSON.stringify(JSON.stringify(to)).slice(1, -1)}`,
    );
  });

  it.each(OFF_SITE)('refuses %j on the plain post before signing anyone in', async (to) => {
    scripts.login = goingTo(to);
    const email = nextEmail('off-site-post');
    await signedUp(server.url, email).then((b) => b.post('/logout', {}));
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');

    const response = await browser.post('/login', { email, password: PASSWORD });

    expect(response.status).toBe(500);
    expect(response.headers.get('location')).toBeNull();
    expect(browser.cookies.get('baton.sid')).toBeUndefined();
    expect((await browser.fetch('/account')).headers.get('location')).toBe('/login');
  });
});
