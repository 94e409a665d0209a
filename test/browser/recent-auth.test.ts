/**
 * A live submit refused because the last authentication went stale while the page was open
 * (`auth.recent-required`): the page goes to its own path, which sends the person to
 * /confirm-password, and after confirming they are back on the form. Sudo mode runs on the
 * server's injected clock, moved past SUDO_MINUTES instead of waited out.
 */
import { expect, it } from 'vitest';
import { FORMS } from '../../shared/forms.ts';
import { testClock } from '../helpers/outcomes.ts';
import { describeInBrowser } from './in-browser.ts';
import { pageWithErrors, reconnecting, SLOW, shot, signUp } from './support.ts';

const SUDO_MS = 10 * 60 * 1000;

const clock = testClock();

describeInBrowser(
  'a form that needs a recent authentication, in a real browser',
  {
    server: {
      now: clock.now,
      sudoMs: SUDO_MS,
      // change-password as a sensitive form, as "Delete account" will be.
      forms: { specs: { 'change-password': { ...FORMS['change-password'], recentAuth: true } } },
    },
  },
  ({ server, newContext }) => {
    it('sends a submit made after sudo ran out to confirm the password, then back to the form', async () => {
      const context = await newContext({ viewport: { width: 375, height: 740 } });
      const { page, errors } = await pageWithErrors(context);
      const password = 'a long enough password';
      await signUp(page, server.url, 'sudo-expired@example.com');
      await page.goto(`${server.url}/change-password`);
      await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);

      clock.advance(SUDO_MS + 1000);
      await page.getByLabel('Current password').fill(password);
      await page.getByLabel('New password').fill('another long password');
      await page.getByRole('button', { name: 'Change password' }).click();

      await page.waitForURL(`${server.url}/confirm-password`);
      expect(await page.getByText('Confirm your password to continue.').count()).toBe(1);
      await shot(page, 'confirm-password-after-sudo-expired-375');
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForURL(`${server.url}/change-password`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Change your password',
      );
      expect(errors).toEqual([]);
    });
  },
);
