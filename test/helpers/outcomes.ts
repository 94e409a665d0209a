/**
 * The two ways a form's outcome reaches the session, side by side, for tests that must hold
 * on both: the live socket's sealed handoff, redeemed by POST /handoff, and the plain post.
 */

import { sessionRef } from '../../server/session/session-id.ts';
import type { Store } from '../../server/store/store.ts';
import { FORMS } from '../../shared/forms.ts';
import type { Fields, FormName } from '../../shared/protocol.ts';
import { BrowserSession } from './browser-session.ts';
import { submitOverSocket } from './live-forms.ts';

export type Submit = (browser: BrowserSession, form: FormName, fields: Fields) => Promise<Response>;

/** Submits over the browser's live socket and posts the handoff it is given. */
export const overSocket: Submit = async (browser, form, fields) => {
  const reply = await submitOverSocket(browser, form, fields);
  if (reply.type !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(reply)}`);
  return browser.post('/handoff', { handoff: reply.handoff });
};

/** Posts the form as a browser without JavaScript does. */
export const plainPost: Submit = (browser, form, fields) =>
  browser.post(FORMS[form].action, fields as Record<string, string>);

/** Both paths, by name, for `describe.each`. */
export const BOTH_PATHS: ReadonlyArray<[string, Submit]> = [
  ['the live socket', overSocket],
  ['the plain post', plainPost],
];

export const PASSWORD = 'a fine password 1';

/** A new browser signed up (so signed in) as `email`, its welcome already shown. */
export async function signedUp(url: string, email: string): Promise<BrowserSession> {
  const browser = new BrowserSession(url);
  await browser.fetch('/signup');
  const response = await browser.post('/signup', { email, password: PASSWORD });
  if (response.headers.get('location') !== '/account')
    throw new Error(`signing up ${email} went to ${response.headers.get('location')}`);
  await browser.fetch('/account');
  return browser;
}

/** The ref of the session the browser's cookie names, if any. */
export function refOf(browser: BrowserSession): string | null {
  const id = browser.cookies.get('baton.sid');
  return id ? sessionRef(id) : null;
}

/** The stored data of the browser's session, or null. */
export async function storedSession(
  store: Store,
  browser: BrowserSession,
): Promise<Record<string, unknown> | null> {
  const ref = refOf(browser);
  return ref ? store.sessions.get(ref) : null;
}

/** The Set-Cookie line that sets the session cookie (not its signature), if any. */
export function sessionCookieLine(response: Response): string | undefined {
  return response.headers.getSetCookie().find((line) => /^baton\.sid=[^;]/.test(line));
}

/** The clock a server and its store decide time by; tests move it instead of sleeping. */
export function testClock(start = Date.now()) {
  let at = start;
  return {
    now: () => at,
    advance(ms: number): void {
      at += ms;
    },
  };
}
