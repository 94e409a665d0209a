/**
 * Attacks on the handoff, through the real server: each test is named after the attack and
 * asserts the exact outcome (status, Location, refusal code, flash, no session cookie, the
 * store untouched). The refusal code is read from the server's log line for the refusal,
 * since the browser only ever sees the plain words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/accounts/password.ts';
import { REDEEM_MESSAGES, type RedeemError } from '../../server/handoff/redeem.ts';
import { openHandoff, sealHandoff } from '../../server/handoff/seal.ts';
import { createKeyRing } from '../../server/keys/keyring.ts';
import { createLogger, type Logger } from '../../server/logger.ts';
import { sessionRef } from '../../server/session/session-id.ts';
import type { Fields } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type InspectableStore, openInspectableStore } from '../helpers/inspect-store.ts';
import {
  cloneBrowser,
  handoffFor,
  pageData,
  sessionCookiesSet,
  signUpAndRedeem,
} from '../helpers/live-forms.ts';
import { captureLogs, type LogCapture } from '../helpers/log-capture.ts';
import {
  CHEAP_ARGON2,
  type RunningServer,
  startServer,
  TEST_SECRET,
} from '../helpers/start-server.ts';

const PASSWORD = 'a long enough password';
const SECRET_A = 'rotation-secret-A-long-enough-for-the-ring-0001';
const SECRET_B = 'rotation-secret-B-long-enough-for-the-ring-0002';

let inspect: InspectableStore;
let logs: LogCapture;
let logger: Logger;
let server: RunningServer;

beforeAll(async () => {
  inspect = openInspectableStore();
  logs = captureLogs();
  logger = createLogger({ level: 'info', destination: logs.destination });
  server = await startServer({ store: inspect.store, logger });
});

afterAll(async () => {
  await server?.stop();
  await inspect?.close();
});

let people = 0;
function person(name: string): Required<Pick<Fields, 'email' | 'password'>> {
  people += 1;
  return { email: `${name}-${people}@example.com`, password: PASSWORD };
}

interface Attempt {
  response: Response;
  /** The refusal codes the server logged while answering. */
  codes: string[];
}

async function attempt(browser: BrowserSession, handoff: string): Promise<Attempt> {
  const mark = logs.records().length;
  const response = await browser.post('/handoff', { handoff });
  return { response, codes: refusalCodes(mark) };
}

function refusalCodes(since: number): string[] {
  return logs
    .records()
    .slice(since)
    .map((record) => record.code)
    .filter((code): code is string => typeof code === 'string' && code.startsWith('handoff.'));
}

/** The flash the browser's next page shows (the account page when it is signed in). */
async function nextFlash(browser: BrowserSession) {
  let response = await browser.fetch('/login');
  if (response.status === 303)
    response = await browser.fetch(response.headers.get('location') as string);
  expect(response.status).toBe(200);
  return pageData(await response.text()).flash;
}

/** A refusal: 303 to /login, no session cookie touched, this code alone, its plain words shown next. */
async function expectRefused(
  browser: BrowserSession,
  { response, codes }: Attempt,
  code: RedeemError,
) {
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/login');
  expect(sessionCookiesSet(response)).toEqual([]);
  expect(codes).toEqual([code]);
  expect(await nextFlash(browser)).toEqual([{ kind: 'error', text: REDEEM_MESSAGES[code] }]);
}

async function accountEmail(browser: BrowserSession): Promise<string | null> {
  const response = await browser.fetch('/account');
  if (response.status !== 200) return null;
  const data = pageData(await response.text());
  return data.page === 'account' ? data.email : null;
}

describe('handoff attacks', () => {
  it('refuses a tampered handoff: one bit flipped in the version, purpose, key id, nonce, ciphertext or tag', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await handoffFor(browser, 'signup', person('tampered'));
    const bytes = Buffer.from(handoff, 'base64url');
    const flips: Array<[part: string, at: number, mask: number, code: RedeemError]> = [
      ['version', 0, 0x01, 'handoff.malformed'],
      ['purpose (handoff to flash)', 1, 0x03, 'handoff.wrong-purpose'],
      ['key id', 5, 0x80, 'handoff.unknown-key'],
      ['nonce', 15, 0x01, 'handoff.tampered'],
      ['ciphertext', 40, 0x01, 'handoff.tampered'],
      ['tag', bytes.length - 1, 0x01, 'handoff.tampered'],
    ];
    const before = inspect.snapshot();
    for (const [part, at, mask, code] of flips) {
      const tampered = Buffer.from(bytes);
      tampered[at] = (tampered[at] as number) ^ mask;
      const result = await attempt(browser, tampered.toString('base64url'));
      expect(result.codes, part).toEqual([code]);
      await expectRefused(browser, result, code);
    }
    expect(inspect.snapshot()).toEqual(before);
    expect(browser.cookies.has('baton.sid')).toBe(false);
    // None of them burnt the real one.
    const real = await browser.post('/handoff', { handoff });
    expect(real.headers.get('location')).toBe('/account');
  });

  it('refuses a sealed flash cookie posted as a handoff (one purpose passed off as another)', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    // A refusal hands the browser a genuine box sealed by this server: the flash cookie.
    await attempt(browser, 'not-a-handoff');
    const flashBox = browser.cookies.get('baton.flash') as string;
    expect(flashBox).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const before = inspect.snapshot();
    await expectRefused(browser, await attempt(browser, flashBox), 'handoff.wrong-purpose');
    expect(inspect.snapshot()).toEqual(before);
  });

  it('refuses a truncated handoff, whether cut at a byte, a character or to nothing', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await handoffFor(browser, 'signup', person('truncated'));
    const bytes = Buffer.from(handoff, 'base64url');
    const keepBytes = (n: number) => bytes.subarray(0, n).toString('base64url');
    // A length of 4k+1 characters is never valid base64url, whatever the characters.
    const keepChars = handoff.length - ((handoff.length - 1) % 4 || 4);
    expect(keepChars % 4).toBe(1);
    const cuts: Array<[cut: string, token: string, code: RedeemError]> = [
      ['the last byte', keepBytes(bytes.length - 1), 'handoff.tampered'],
      ['the whole tag', keepBytes(bytes.length - 16), 'handoff.tampered'],
      ['to header, nonce and tag with no ciphertext', keepBytes(38), 'handoff.tampered'],
      ['below the smallest box', keepBytes(37), 'handoff.malformed'],
      ['to the header alone', keepBytes(10), 'handoff.malformed'],
      ['mid-character', handoff.slice(0, keepChars), 'handoff.malformed'],
      ['to nothing', '', 'handoff.missing'],
    ];
    const before = inspect.snapshot();
    for (const [cut, token, code] of cuts) {
      const result = await attempt(browser, token);
      expect(result.codes, cut).toEqual([code]);
      await expectRefused(browser, result, code);
    }
    expect(inspect.snapshot()).toEqual(before);
    expect((await browser.post('/handoff', { handoff })).headers.get('location')).toBe('/account');
  });

  it('refuses an expired handoff for a real account, sealed with the server key', async () => {
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const account = await inspect.store.accounts.create(
      person('expired').email,
      await hashPassword(PASSWORD, CHEAP_ARGON2),
    );
    if (!account) throw new Error('could not create the account');
    const ring = createKeyRing([TEST_SECRET]);
    const handoff = sealHandoff(
      ring,
      {
        binding: browser.cookies.get('baton.bind') as string,
        destination: '/account',
        change: { kind: 'sign-in', accountId: account.id, credentialVersion: 0, remember: false },
        flash: [],
      },
      // Expired one millisecond ago.
      { ttlSeconds: 60, now: Date.now() - 60_001 },
    );
    // Everything else about it is valid: only the clock refuses it.
    expect(openHandoff(ring, handoff, Date.now() - 30_000).ok).toBe(true);
    const before = inspect.snapshot();
    await expectRefused(browser, await attempt(browser, handoff), 'handoff.expired');
    expect(inspect.snapshot()).toEqual(before);
    expect(await accountEmail(browser)).toBeNull();
  });

  it('refuses a replayed handoff, signed in or signed out, leaving the session as it was', async () => {
    const browser = new BrowserSession(server.url);
    const handoff = await handoffFor(browser, 'signup', person('replayed'));
    const first = await browser.post('/handoff', { handoff });
    expect(first.headers.get('location')).toBe('/account');
    const cookies = {
      sid: browser.cookies.get('baton.sid'),
      sig: browser.cookies.get('baton.sid.sig'),
    };
    expect(cookies.sid).toBeDefined();

    const signedIn = inspect.snapshot();
    await expectRefused(browser, await attempt(browser, handoff), 'handoff.used');
    expect(inspect.snapshot()).toEqual(signedIn);
    expect({
      sid: browser.cookies.get('baton.sid'),
      sig: browser.cookies.get('baton.sid.sig'),
    }).toEqual(cookies);

    // After sign-out, the used handoff signs nobody back in.
    await browser.post('/logout', {});
    const signedOut = inspect.snapshot();
    await expectRefused(browser, await attempt(browser, handoff), 'handoff.used');
    expect(inspect.snapshot()).toEqual(signedOut);
    expect(await accountEmail(browser)).toBeNull();
  });

  it('redeems exactly one of 50 concurrent replays of one handoff', async () => {
    const browser = new BrowserSession(server.url);
    const fields = person('race');
    const handoff = await handoffFor(browser, 'signup', fields);
    const account = await inspect.store.accounts.findByEmail(fields.email);
    const before = inspect.snapshot();
    const mark = logs.records().length;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${server.url}/handoff`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            cookie: browser.cookieHeader(),
            origin: server.origin,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ handoff }).toString(),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(303));
    const locations = responses.map((r) => r.headers.get('location'));
    expect(locations.filter((l) => l === '/account')).toHaveLength(1);
    expect(locations.filter((l) => l === '/login')).toHaveLength(49);
    const winners = responses.filter((r) => sessionCookiesSet(r).length > 0);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.headers.get('location')).toBe('/account');
    expect(refusalCodes(mark)).toEqual(Array(49).fill('handoff.used'));

    const after = inspect.snapshot();
    const added = after.sessions.filter(
      (row) => !before.sessions.some((old) => old.key === row.key),
    );
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0]?.data ?? '{}')).toMatchObject({ accountId: account?.id });
    expect(after.sessions).toHaveLength(before.sessions.length + 1);
    expect(after.handoffs).toHaveLength(before.handoffs.length + 1);
  });

  it('refuses a handoff redeemed in another browser without burning it for its owner', async () => {
    const owner = new BrowserSession(server.url);
    const fields = person('owner');
    const handoff = await handoffFor(owner, 'signup', fields);
    const thief = new BrowserSession(server.url);
    await thief.fetch('/login'); // a binding cookie of its own
    const stranger = new BrowserSession(server.url); // no cookie at all

    const before = inspect.snapshot();
    for (const browser of [thief, stranger]) {
      await expectRefused(browser, await attempt(browser, handoff), 'handoff.wrong-browser');
      expect(browser.cookies.has('baton.sid')).toBe(false);
      expect(await accountEmail(browser)).toBeNull();
    }
    // Neither the sessions nor the ledger moved: the handoff is still unspent.
    expect(inspect.snapshot()).toEqual(before);

    const redeemed = await owner.post('/handoff', { handoff });
    expect(redeemed.status).toBe(303);
    expect(redeemed.headers.get('location')).toBe('/account');
    expect(await accountEmail(owner)).toBe(fields.email);
  });

  it("refuses a login CSRF: a handoff minted in the attacker's browser, posted from the victim's", async () => {
    // The attacker signs into their own account over their own socket and keeps the handoff.
    const attacker = new BrowserSession(server.url);
    const attackerFields = person('attacker');
    await signUpAndRedeem(attacker, attackerFields);
    await attacker.post('/logout', {});
    const handoff = await handoffFor(attacker, 'login', attackerFields);

    // The victim's browser posts it with the victim's cookies. Same-origin headers on
    // purpose: this is the case a cross-site check misses, so the binding alone must stop it.
    const signedOutVictim = new BrowserSession(server.url);
    await signedOutVictim.fetch('/login');
    const signedInVictim = new BrowserSession(server.url);
    const victimFields = person('victim');
    await signUpAndRedeem(signedInVictim, victimFields);
    const victimSid = signedInVictim.cookies.get('baton.sid');

    const before = inspect.snapshot();
    await expectRefused(
      signedOutVictim,
      await attempt(signedOutVictim, handoff),
      'handoff.wrong-browser',
    );
    expect(await accountEmail(signedOutVictim)).toBeNull();
    await expectRefused(
      signedInVictim,
      await attempt(signedInVictim, handoff),
      'handoff.wrong-browser',
    );
    expect(signedInVictim.cookies.get('baton.sid')).toBe(victimSid);
    expect(await accountEmail(signedInVictim)).toBe(victimFields.email);
    expect(inspect.snapshot()).toEqual(before);
  });

  it('makes a session cookie planted before sign-in worthless after it (session fixation)', async () => {
    for (const path of ['handoff', 'form post'] as const) {
      // The attacker obtains a validly signed session id: their own, from signing in.
      const attacker = new BrowserSession(server.url);
      await signUpAndRedeem(attacker, person('fixer'));
      const planted = {
        sid: attacker.cookies.get('baton.sid') as string,
        sig: attacker.cookies.get('baton.sid.sig') as string,
      };
      expect(planted.sid).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
      expect(inspect.snapshot().sessions.some((row) => row.key === sessionRef(planted.sid))).toBe(
        true,
      );

      const victimFields = person('fixed');
      const setup = new BrowserSession(server.url);
      await signUpAndRedeem(setup, victimFields);
      const victim = new BrowserSession(server.url);
      await victim.fetch('/login');
      // Planted in the victim's jar (a sibling subdomain, a shared computer) before sign-in.
      victim.cookies.set('baton.sid', planted.sid);
      victim.cookies.set('baton.sid.sig', planted.sig);

      const response =
        path === 'handoff'
          ? await victim.post('/handoff', {
              handoff: await handoffFor(victim, 'login', victimFields),
            })
          : await victim.post('/login', victimFields);
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location'), path).toBe('/account');
      const issued = victim.cookies.get('baton.sid') as string;
      expect(issued, path).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
      expect(issued, path).not.toBe(planted.sid);
      expect(
        sessionCookiesSet(response).some((line) => line.startsWith(`baton.sid=${issued};`)),
        path,
      ).toBe(true);
      expect(await accountEmail(victim), path).toBe(victimFields.email);

      // The planted id signs no one in any more: not as the victim, not as the attacker.
      const holder = new BrowserSession(server.url);
      holder.cookies.set('baton.sid', planted.sid);
      holder.cookies.set('baton.sid.sig', planted.sig);
      const page = await holder.fetch('/account');
      expect(page.status, path).toBe(303);
      expect(page.headers.get('location'), path).toBe('/login');
      const rows = inspect.snapshot().sessions;
      expect(
        rows.some((row) => row.key === sessionRef(planted.sid)),
        path,
      ).toBe(false);
      const victimAccount = await inspect.store.accounts.findByEmail(victimFields.email);
      const issuedRow = rows.find((row) => row.key === sessionRef(issued));
      expect(JSON.parse(issuedRow?.data ?? '{}'), path).toMatchObject({
        accountId: victimAccount?.id,
      });
    }
  });

  it('refuses handoffs and sessions whose key was removed from the ring, and keeps them through a rotation', async () => {
    const shared = openInspectableStore();
    const started: RunningServer[] = [];
    const start = async (secrets: string[]) => {
      const running = await startServer({ store: shared.store, secrets, logger });
      started.push(running);
      return running;
    };
    try {
      const onlyA = await start([SECRET_A]);
      const holder = new BrowserSession(onlyA.url);
      const holderFields = person('ring-holder');
      await signUpAndRedeem(holder, holderFields); // a session signed with A
      const pending = new BrowserSession(onlyA.url);
      const pendingFields = person('ring-pending');
      const handoff = await handoffFor(pending, 'signup', pendingFields); // sealed with A, unspent

      // A removed: neither opens nor signs in, and nothing is written.
      const onlyB = await start([SECRET_B]);
      const before = shared.snapshot();
      const pendingOnB = cloneBrowser(pending, onlyB.url);
      await expectRefused(pendingOnB, await attempt(pendingOnB, handoff), 'handoff.unknown-key');
      expect(REDEEM_MESSAGES['handoff.unknown-key']).toContain('no longer valid');
      expect(await accountEmail(cloneBrowser(holder, onlyB.url))).toBeNull();
      expect(shared.snapshot()).toEqual(before);

      // B rotated in front of A: both still work.
      const rotated = await start([SECRET_B, SECRET_A]);
      const pendingOnBA = cloneBrowser(pending, rotated.url);
      const redeemed = await pendingOnBA.post('/handoff', { handoff });
      expect(redeemed.status).toBe(303);
      expect(redeemed.headers.get('location')).toBe('/account');
      expect(await accountEmail(pendingOnBA)).toBe(pendingFields.email);
      expect(await accountEmail(cloneBrowser(holder, rotated.url))).toBe(holderFields.email);

      // A new sign-in on the rotated ring seals (and signs) with B, the newest key.
      const fresh = new BrowserSession(rotated.url);
      const freshFields = person('ring-fresh');
      const freshHandoff = await handoffFor(fresh, 'signup', freshFields);
      expect(openHandoff(createKeyRing([SECRET_B]), freshHandoff).ok).toBe(true);
      expect(openHandoff(createKeyRing([SECRET_A]), freshHandoff)).toEqual({
        ok: false,
        code: 'handoff.unknown-key',
      });
      const freshOnB = cloneBrowser(fresh, onlyB.url);
      const onB = await freshOnB.post('/handoff', { handoff: freshHandoff });
      expect(onB.headers.get('location')).toBe('/account');
      expect(await accountEmail(freshOnB)).toBe(freshFields.email);
    } finally {
      for (const running of started) await running.stop();
      await shared.close();
    }
  });

  it('follows no client-supplied redirect (open redirect), only the destination sealed inside', async () => {
    const browser = new BrowserSession(server.url);
    const fields = person('redirect');
    const handoff = await handoffFor(browser, 'signup', fields);
    const evil = {
      next: 'https://evil.example/',
      redirect: '//evil.example',
      returnTo: 'https://evil.example/',
      return_to: '/\\evil.example',
      destination: 'https://evil.example/account',
      dest: '//evil.example/account',
      url: 'javascript:alert(1)',
    };
    const post = (path: string, body: Record<string, string>) =>
      browser.fetch(`${path}?${new URLSearchParams(evil)}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.origin,
          referer: 'https://evil.example/',
        },
        body: new URLSearchParams({ ...evil, ...body }).toString(),
      });
    const outcomes: Array<[what: string, response: Response, location: string]> = [];
    outcomes.push(['redeem', await post('/handoff', { handoff }), '/account']);
    outcomes.push(['replay', await post('/handoff', { handoff }), '/login']);
    outcomes.push(['log out', await post('/logout', {}), '/login']);
    outcomes.push(['log in', await post('/login', { ...fields }), '/account']);
    for (const [what, response, location] of outcomes) {
      expect(response.status, what).toBe(303);
      expect(response.headers.get('location'), what).toBe(location);
    }
  });
});
