/**
 * Look-alike emails (issue 12.10) through the forms: each way of writing an existing
 * address either reaches that account (sign-up says it is taken, log in works) or is
 * refused with a field error, over the live socket and the plain post alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../helpers/browser-session.ts';
import { signUpAndRedeem, submitOverSocket } from '../helpers/live-forms.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const ADDRESS = 'josé.martin@example.com';
const PASSWORD = 'the real password';
const INVISIBLE_ERROR = 'Remove the invisible characters from this email address.';

const MAPPED = {
  'fullwidth letters': 'ｊｏｓé.ｍａｒｔｉｎ@ｅｘａｍｐｌｅ.ｃｏｍ',
  'a decomposed accent (NFD)': ADDRESS.normalize('NFD'),
  'capitals and spaces around': '  JOSÉ.Martin@Example.COM ',
};
const REFUSED = {
  'a zero-width space': 'jo\u200bsé.martin@example.com',
  'a zero-width joiner': 'josé.mar\u200dtin@example.com',
  'a right-to-left override': 'josé.martin@exa\u202emple.com',
  'a soft hyphen': 'josé.mar\u00adtin@example.com',
};

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
  await signUpAndRedeem(new BrowserSession(server.url), { email: ADDRESS, password: PASSWORD });
});
afterAll(() => server.stop());

describe('an existing address written another way', () => {
  for (const [how, written] of Object.entries(MAPPED)) {
    it(`with ${how} is the same account: sign-up says taken, log in works`, async () => {
      const signUp = await submitOverSocket(new BrowserSession(server.url), 'signup', {
        email: written,
        password: 'another password here',
      });
      expect(signUp).toMatchObject({
        type: 'refused',
        code: 'account.email-taken',
        errors: { email: 'This email already has an account.' },
      });
      const logIn = await submitOverSocket(new BrowserSession(server.url), 'login', {
        email: written,
        password: PASSWORD,
      });
      expect(logIn.type).toBe('accepted');
      const posted = await new BrowserSession(server.url).post('/login', {
        email: written,
        password: PASSWORD,
      });
      expect(posted.status).toBe(303);
      expect(posted.headers.get('location')).toBe('/account');
    });
  }

  for (const [how, written] of Object.entries(REFUSED)) {
    it(`with ${how} is refused with a field error, creating nothing`, async () => {
      for (const form of ['signup', 'login'] as const) {
        const reply = await submitOverSocket(new BrowserSession(server.url), form, {
          email: written,
          password: 'another password here',
        });
        expect(reply).toMatchObject({
          type: 'refused',
          code: 'form.invalid',
          errors: { email: INVISIBLE_ERROR },
        });
      }
      const posted = await new BrowserSession(server.url).post('/signup', {
        email: written,
        password: 'another password here',
      });
      expect(posted.status).toBe(422);
      expect(await posted.text()).toContain(INVISIBLE_ERROR);
      expect(await server.store.accounts.findByEmail(written)).toBeNull();
    });
  }
});
