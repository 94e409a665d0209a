/**
 * Short paths through the live forms for tests that are about what happens after them:
 * submit a form over a browser's own live socket, read the page data a page embeds, and
 * carry a browser's cookies to another server.
 */
import { FORMS } from '../../shared/forms.ts';
import { PAGE_DATA_ID, type PageData } from '../../shared/page.ts';
import type { Fields, FormName, ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from './browser-session.ts';

/** Submits a form over a fresh live socket of `browser` (loading the form first if it has no binding yet). */
export async function submitOverSocket(
  browser: BrowserSession,
  form: FormName,
  fields: Fields,
): Promise<ServerMessage> {
  if (!browser.cookies.has('baton.bind')) await browser.fetch(FORMS[form].action);
  const live = await browser.openSocket();
  try {
    return await live.request({ type: 'submit', form, fields });
  } finally {
    live.close();
  }
}

/** The handoff a live socket gives `browser` for this form; throws on any other reply. */
export async function handoffFor(
  browser: BrowserSession,
  form: FormName,
  fields: Fields,
): Promise<string> {
  const reply = await submitOverSocket(browser, form, fields);
  if (reply.type !== 'accepted')
    throw new Error(`expected an accepted ${form}, got ${JSON.stringify(reply)}`);
  return reply.handoff;
}

/** Signs a new account up in `browser` over its live socket and redeems the handoff. */
export async function signUpAndRedeem(browser: BrowserSession, fields: Fields): Promise<void> {
  const handoff = await handoffFor(browser, 'signup', fields);
  const response = await browser.post('/handoff', { handoff });
  if (response.headers.get('location') !== '/account') {
    throw new Error(`redeeming a fresh sign-up went to ${response.headers.get('location')}`);
  }
}

/** The PageData a server-rendered page embeds for the client. */
export function pageData(html: string): PageData {
  const match = new RegExp(
    `<script type="application/json" id="${PAGE_DATA_ID}">(.*?)</script>`,
    's',
  ).exec(html);
  if (!match?.[1]) throw new Error('the page embeds no page data');
  return JSON.parse(match[1]) as PageData;
}

/** The Set-Cookie lines of a response that set or clear the session cookie or its signature. */
export function sessionCookiesSet(response: Response): string[] {
  return response.headers.getSetCookie().filter((line) => /^baton\.sid(\.sig)?=/.test(line));
}

/** A browser with a copy of `browser`'s cookies, talking to the server at `url`. */
export function cloneBrowser(browser: BrowserSession, url: string = browser.base): BrowserSession {
  const copy = new BrowserSession(url);
  for (const [name, value] of browser.cookies) copy.cookies.set(name, value);
  return copy;
}
