/**
 * The fixture of the two-factor sign-in tests: a server on a moving clock with a signed-up
 * account that has authenticator codes on, the clock already a step past the code that
 * turned them on.
 */
import { afterEach } from 'vitest';
import { DEFAULT_LIMITS } from '../../server/config.ts';
import { signedUp, testClock } from './outcomes.ts';
import { type RunningServer, startServer } from './start-server.ts';
import { turnOnTwoFactor } from './two-factor.ts';

/** One authenticator code's time step. */
export const STEP_MS = 30_000;

/**
 * Registers an `afterEach` that stops the server of each test, and returns `start`, which
 * starts it: `loginFailsPerAccount` is the failed sign-in limit (the default unless given).
 * `owner` is the account's signed-in browser.
 *
 * @example
 * const start = twoFactorAccounts();
 * it('asks for the code', async () => {
 *   const { clock, server, secret, email } = await start('two-step@example.com');
 * });
 */
export function twoFactorAccounts() {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  return async function start(
    email: string,
    loginFailsPerAccount = DEFAULT_LIMITS.loginFailsPerAccount,
  ) {
    const clock = testClock(Date.UTC(2030, 0, 1, 12, 0, 5));
    const running = await startServer({
      now: clock.now,
      limits: { ...DEFAULT_LIMITS, loginFailsPerAccount },
    });
    server = running;
    const owner = await signedUp(running.url, email);
    const { secret, recoveryCodes } = await turnOnTwoFactor(owner, clock.now());
    // The code that turned it on is used; the next sign-in's code is the next step's.
    clock.advance(STEP_MS);
    return { clock, server: running, secret, recoveryCodes, owner, email };
  };
}
