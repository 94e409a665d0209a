/**
 * The form README's guide builds ("Adding a form, from nothing to tested"): its description and
 * handler (sign-out-everywhere.ts), and nothing else, run end to end on both paths, the
 * live socket's handoff and the plain post. It is a "Delete account"-style form: signed-in
 * only, a danger button (sign-out-everywhere-component.test.tsx), and a `sign-out` outcome.
 *
 * The guide adds the form's name to FORM_NAMES; a test cannot change the socket protocol's
 * list at run time, so the form runs here in the place of `confirm-password`, which has the
 * same one field (the field rules and the plain post read a form's fields by its name).
 * Through the server's test seam (`BatonOptions.forms`) that is all that changes: the
 * routes, the page and both paths come from the description and the handler alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormSpec } from '../../shared/forms.ts';
import type { FormName } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { pageData, submitOverSocket } from '../helpers/live-forms.ts';
import { BOTH_PATHS, PASSWORD, refOf, signedUp } from '../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';
import { GUIDE_FORMS, SIGNED_OUT_EVERYWHERE, signOutEverywhere } from './sign-out-everywhere.ts';

/** The place the guide's form runs in: a form with the same fields. */
const FORM: FormName = 'confirm-password';
const spec: FormSpec = { ...GUIDE_FORMS['sign-out-everywhere'], name: FORM, action: `/${FORM}` };

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    forms: { specs: { [FORM]: spec }, handlers: { [FORM]: signOutEverywhere } },
  });
});
afterAll(async () => {
  await server?.stop();
});

let people = 0;
const nextEmail = () => `everywhere-${++people}@example.com`;

describe.each(BOTH_PATHS)('the guide’s "Sign out everywhere" over %s', (_path, submit) => {
  it('ends this session and the others, closes their sockets, and lands on /login saying so', async () => {
    const email = nextEmail();
    const browser = await signedUp(server.url, email);
    const ref = refOf(browser);
    const page = await browser.openSocket();
    const elsewhere = new BrowserSession(server.url);
    await elsewhere.fetch('/login');
    await elsewhere.post('/login', { email, password: PASSWORD });
    const elsewhereRef = refOf(elsewhere);
    const elsewherePage = await elsewhere.openSocket();

    const response = await submit(browser, FORM, { password: PASSWORD });

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(browser.cookies.get('baton.sid')).toBeUndefined();
    expect(await server.store.sessions.get(ref ?? '')).toBeNull();
    expect(await server.store.sessions.get(elsewhereRef ?? '')).toBeNull();
    expect(await page.closed).toEqual({ code: 4001, reason: 'signed-out' });
    expect(await elsewherePage.closed).toEqual({ code: 4001, reason: 'signed-out' });
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([SIGNED_OUT_EVERYWHERE]);
    expect(login.signedInEmail).toBeNull();
    const other = await elsewhere.fetch('/account');
    expect(other.headers.get('location')).toBe('/login');
    expect(pageData(await (await elsewhere.fetch('/login')).text()).flash).toEqual([
      {
        kind: 'notice',
        text: 'You were signed out on another device. Log in again to continue.',
      },
    ]);
  });

  it('ends nothing when the password is wrong, and says so beside the field', async () => {
    const browser = await signedUp(server.url, nextEmail());
    const ref = refOf(browser);

    const refused = await submitOverSocket(browser, FORM, { password: 'not the password' });
    const posted = await browser.post(`/${FORM}`, { password: 'not the password' });

    expect(refused).toMatchObject({
      type: 'refused',
      code: 'account.wrong-password',
      errors: { password: 'This is not your current password.' },
    });
    expect(posted.status).toBe(422);
    expect(pageData(await posted.text())).toMatchObject({
      page: FORM,
      errors: { password: 'This is not your current password.' },
    });
    expect(await server.store.sessions.get(ref ?? '')).not.toBeNull();
    expect((await browser.fetch('/account')).status).toBe(200);
  });
});

describe('the guide’s "Sign out everywhere", signed out', () => {
  it('sends a signed-out visitor of its page to /login, to come back after signing in', async () => {
    const browser = new BrowserSession(server.url);
    const response = await browser.fetch(`/${FORM}`);
    expect(response.headers.get('location')).toBe('/login');
    const login = pageData(await (await browser.fetch('/login')).text());
    expect(login.flash).toEqual([{ kind: 'notice', text: 'You must log in to see that page.' }]);
  });

  it('refuses a signed-out submit on the socket and the plain post, ending nothing', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');

    const refused = await submitOverSocket(browser, FORM, { password: PASSWORD });
    const posted = await browser.post(`/${FORM}`, { password: PASSWORD });

    expect(refused).toMatchObject({ type: 'refused', code: 'auth.required' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/login');
  });
});
