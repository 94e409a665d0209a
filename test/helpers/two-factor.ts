/**
 * Turning authenticator codes on from a test, as a person does on /account/two-factor, with
 * the codes computed here from the secret the page shows.
 */
import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { KeyRing } from '../../server/keys/keyring.ts';
import type { Store } from '../../server/store/store.ts';
import { createTwoFactor } from '../../server/two-factor/two-factor.ts';
import { TWO_FACTOR_ACTIONS } from '../../shared/page.ts';
import type { BrowserSession } from './browser-session.ts';
import { pageData } from './live-forms.ts';

/** The 6-digit code an authenticator app shows for `secret` at `at` (ms since the epoch). */
export function totpAt(secret: string, at: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at });
}

/** Turns two-factor on for `browser`'s account at `at`: its secret and recovery codes. */
export async function turnOnTwoFactor(
  browser: BrowserSession,
  at: number,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  await browser.post(TWO_FACTOR_ACTIONS.setup, {});
  const page = pageData(await (await browser.fetch('/account/two-factor')).text());
  if (page.page !== 'two-factor' || !page.setup) throw new Error('no setup on the page');
  const { secret } = page.setup;
  const confirmed = await browser.post(TWO_FACTOR_ACTIONS.confirm, { code: totpAt(secret, at) });
  const done = pageData(await confirmed.text());
  if (done.page !== 'two-factor' || !done.recoveryCodes)
    throw new Error(`turning two-factor on answered ${confirmed.status}`);
  return { secret, recoveryCodes: done.recoveryCodes };
}

/**
 * A new account in `store` with authenticator codes turned on at `at`, its secret sealed
 * under `ring`'s newest key (as an instance running with that ring would have left it).
 */
export async function accountWithCodes(
  store: Store,
  ring: KeyRing,
  at: number,
): Promise<{ id: string; email: string; secret: string }> {
  const account = await store.accounts.create(`${randomUUID()}@example.test`, 'hash');
  if (account === null) throw new Error('the account was not created');
  const twoFactor = createTwoFactor({ store: store.twoFactor, ring, now: () => at });
  const setup = await twoFactor.beginSetup(account);
  if (!setup.ok) throw new Error(setup.code);
  const confirmed = await twoFactor.confirmSetup(account.id, totpAt(setup.offer.secret, at));
  if (!confirmed.ok) throw new Error(confirmed.code);
  return { id: account.id, email: account.email, secret: setup.offer.secret };
}
