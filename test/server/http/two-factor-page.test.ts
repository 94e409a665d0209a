/**
 * /account/two-factor: turning authenticator codes on (a QR code and the secret, a correct
 * code, then recovery codes shown once) and off (with a notice email), all with plain
 * posts, behind sudo mode. The clock is injected; codes are computed from the page's secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TWO_FACTOR_ACTIONS, type TwoFactorPageData } from '../../../shared/page.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { pageData } from '../../helpers/live-forms.ts';
import { signedUp, testClock } from '../../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';
import { totpAt, turnOnTwoFactor } from '../../helpers/two-factor.ts';

const MINUTE_MS = 60_000;

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start() {
  const clock = testClock(Date.UTC(2030, 0, 1, 12, 0, 5));
  server = await startServer({ now: clock.now, sudoMs: 10 * MINUTE_MS });
  return { clock, server };
}

async function twoFactorPage(browser: BrowserSession): Promise<TwoFactorPageData> {
  const response = await browser.fetch('/account/two-factor');
  expect(response.status).toBe(200);
  const data = pageData(await response.text());
  if (data.page !== 'two-factor') throw new Error(`not the two-factor page: ${data.page}`);
  return data;
}

describe('GET /account/two-factor', () => {
  it('sends a signed-out visitor to /login, and one whose sign-in is old to /confirm-password', async () => {
    const { clock, server } = await start();
    const stranger = await new BrowserSession(server.url).fetch('/account/two-factor');
    expect(stranger.status).toBe(303);
    expect(stranger.headers.get('location')).toBe('/login');

    const browser = await signedUp(server.url, 'old-sign-in@example.com');
    clock.advance(11 * MINUTE_MS);
    const old = await browser.fetch('/account/two-factor');
    expect(old.headers.get('location')).toBe('/confirm-password');
    const posted = await browser.post(TWO_FACTOR_ACTIONS.setup, {});
    expect(posted.headers.get('location')).toBe('/confirm-password');
    expect(await server.store.twoFactor.get((await accountId(server, browser)) ?? '')).toBeNull();
  });

  it('says it is off and offers the setup', async () => {
    const { server } = await start();
    const browser = await signedUp(server.url, 'off@example.com');
    const response = await browser.fetch('/account/two-factor');
    const html = await response.text();

    expect(html).toContain('<title>Two-factor authentication · Baton</title>');
    expect(html).toContain('Set up an authenticator app');
    expect(pageData(html)).toMatchObject({ enabled: false, setup: null, recoveryCodes: null });
  });
});

describe('turning two-factor on', () => {
  it('shows a QR code and the secret, refuses a wrong code, and turns on with a right one', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'turn-on@example.com');

    const begun = await browser.post(TWO_FACTOR_ACTIONS.setup, {});
    expect(begun.headers.get('location')).toBe('/account/two-factor');
    const html = await (await browser.fetch('/account/two-factor')).text();
    const { setup } = pageData(html) as TwoFactorPageData;
    if (!setup) throw new Error('no setup shown');
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(html).toContain(
      '<svg role="img" aria-label="QR code to add Baton to an authenticator app"',
    );
    expect(html).toContain('>Authentication code<');

    const wrongCode = String((Number(totpAt(setup.secret, clock.now())) + 1) % 1_000_000).padStart(
      6,
      '0',
    );
    const wrong = await browser.post(TWO_FACTOR_ACTIONS.confirm, { code: wrongCode });
    expect(wrong.status).toBe(422);
    const refused = pageData(await wrong.text()) as TwoFactorPageData;
    expect(refused).toMatchObject({
      enabled: false,
      codeError: 'That code is not right. Check your authenticator app and try again.',
      setup: { secret: setup.secret },
    });

    const right = await browser.post(TWO_FACTOR_ACTIONS.confirm, {
      code: totpAt(setup.secret, clock.now()),
    });
    expect(right.status).toBe(200);
    const on = pageData(await right.text()) as TwoFactorPageData;
    expect(on).toMatchObject({ enabled: true, recoveryCodesLeft: 10, setup: null });
    expect(on.recoveryCodes).toHaveLength(10);
    expect(new Set(on.recoveryCodes).size).toBe(10);
    expect(on.flash).toEqual([
      {
        kind: 'info',
        text: 'Two-factor authentication is on. Save your recovery codes now: they are shown only once.',
      },
    ]);
  });

  it('shows the recovery codes once: the page after shows none', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'codes-once@example.com');
    await turnOnTwoFactor(browser, clock.now());

    const after = await twoFactorPage(browser);

    expect(after).toMatchObject({ enabled: true, recoveryCodes: null, recoveryCodesLeft: 10 });
  });

  it('gives 10 new recovery codes on request, in place of the old ones', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'new-codes@example.com');
    const { recoveryCodes: old } = await turnOnTwoFactor(browser, clock.now());

    const response = await browser.post(TWO_FACTOR_ACTIONS.recoveryCodes, {});
    const fresh = pageData(await response.text()) as TwoFactorPageData;

    expect(fresh.recoveryCodes).toHaveLength(10);
    expect(fresh.recoveryCodes).not.toContain(old[0]);
    const id = (await accountId(server, browser)) ?? '';
    const twoFactor = await server.store.twoFactor.get(id);
    expect(twoFactor?.recoveryCodesLeft).toBe(10);
  });
});

describe('turning two-factor off', () => {
  it('turns it off and emails the account a notice', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'turn-off@example.com');
    await turnOnTwoFactor(browser, clock.now());

    const response = await browser.post(TWO_FACTOR_ACTIONS.disable, {});

    expect(response.headers.get('location')).toBe('/account/two-factor');
    const page = await twoFactorPage(browser);
    expect(page).toMatchObject({ enabled: false, setup: null });
    expect(page.flash).toEqual([
      {
        kind: 'notice',
        text: 'Two-factor authentication is off. Signing in now needs only your password.',
      },
    ]);
    await server.baton.mailer.idle();
    const mail = await server.store.mailbox.list();
    expect(mail.map((each) => [each.to, each.subject])).toContainEqual([
      'turn-off@example.com',
      'Two-factor authentication was turned off',
    ]);
  });

  it('needs a recent authentication, and leaves it on otherwise', async () => {
    const { clock, server } = await start();
    const browser = await signedUp(server.url, 'off-sudo@example.com');
    await turnOnTwoFactor(browser, clock.now());
    clock.advance(11 * MINUTE_MS);

    const response = await browser.post(TWO_FACTOR_ACTIONS.disable, {});

    expect(response.headers.get('location')).toBe('/confirm-password');
    const id = (await accountId(server, browser)) ?? '';
    expect((await server.store.twoFactor.get(id))?.sealedSecret).not.toBeNull();
  });
});

async function accountId(server: RunningServer, browser: BrowserSession): Promise<string | null> {
  const html = await (await browser.fetch('/account')).text();
  const data = pageData(html);
  const email = data.page === 'account' ? data.email : null;
  return email ? ((await server.store.accounts.findByEmail(email))?.id ?? null) : null;
}
