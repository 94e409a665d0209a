/**
 * Password guessing around the per-account limit. The limits themselves are tested in
 * test/server/limits/; these tests try the side door: a sign-up for an email that already
 * has an account checks the password too (to accept a sign-up sent again after a lost
 * reply), so it must be held to the same per-account limit as a log in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../server/config.ts';
import type { Fields, ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { signUpAndRedeem } from '../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const PASSWORD = 'the victim password';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

/** One attacker browser with one socket, submitting forms one after another. */
async function attacker() {
  const browser = new BrowserSession(server.url);
  await browser.fetch('/login');
  const live = await browser.openSocket();
  return {
    submit: (form: 'login' | 'signup', fields: Fields): Promise<ServerMessage> =>
      live.request({ type: 'submit', form, fields }),
    close: () => live.close(),
  };
}

describe('password guessing through the sign-up form', () => {
  it('does not sign in to an account locked by failed log-ins', async () => {
    const victim = { email: 'locked@example.com', password: PASSWORD };
    await signUpAndRedeem(new BrowserSession(server.url), victim);
    const guesser = await attacker();
    for (let i = 0; i < DEFAULT_LIMITS.loginFailsPerAccount; i++) {
      const reply = await guesser.submit('login', { email: victim.email, password: `guess ${i}` });
      expect(reply).toMatchObject({ type: 'refused', code: 'account.bad-credentials' });
    }
    // The account is locked: the right password no longer gets in through the log in form...
    expect(await guesser.submit('login', victim)).toMatchObject({
      type: 'refused',
      code: 'rate.limited',
    });
    // ...nor through the sign-up form.
    const side = await guesser.submit('signup', victim);
    expect(side.type).toBe('refused');
    guesser.close();
  });

  it('counts wrong passwords tried through the sign-up form against the account', async () => {
    const victim = { email: 'guessed@example.com', password: PASSWORD };
    await signUpAndRedeem(new BrowserSession(server.url), victim);
    const guesser = await attacker();
    for (let i = 0; i < DEFAULT_LIMITS.loginFailsPerAccount; i++) {
      const reply = await guesser.submit('signup', {
        email: victim.email,
        password: `guess number ${i}`,
      });
      expect(reply.type).toBe('refused');
    }
    // As many wrong guesses as the account allows have been made: the right one must not
    // get in, through either form.
    expect((await guesser.submit('signup', victim)).type).toBe('refused');
    expect(await guesser.submit('login', victim)).toMatchObject({
      type: 'refused',
      code: 'rate.limited',
    });
    guesser.close();
  });
});
