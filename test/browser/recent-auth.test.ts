/**
 * A live submit refused because the last authentication went stale while the page was open
 * (`auth.recent-required`): the page goes to its own path, which sends the person to
 * /confirm-password, and after confirming they are back on the form. Sudo mode runs on the
 * server's injected clock, moved past SUDO_MINUTES instead of waited out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMS } from '../../shared/forms.ts';
import { CLIENT_DIR } from '../helpers/build-client.ts';
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/chromium.ts';
import { testClock } from '../helpers/outcomes.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';
import { pageWithErrors, reconnecting, shot, signUp } from './support.ts';

const skip = browserSkipReason();
const SUDO_MS = 10 * 60 * 1000;
const SLOW = { timeout: 10_000, interval: 50 };

describe.skipIf(skip !== null)(
  'a form that needs a recent authentication, in a real browser',
  () => {
    const clock = testClock();
    let server: RunningServer;
    let chromium: LaunchedBrowser;

    beforeAll(async () => {
      server = await startServer({
        assetsDir: CLIENT_DIR,
        now: clock.now,
        sudoMs: SUDO_MS,
        // change-password as a sensitive form, as "Delete account" will be.
        forms: { specs: { 'change-password': { ...FORMS['change-password'], recentAuth: true } } },
      });
      chromium = await launchChromium();
    });
    afterAll(async () => {
      await chromium?.close();
      await server?.stop();
    });

    it('sends a submit made after sudo ran out to confirm the password, then back to the form', async () => {
      const context = await chromium.newContext({ viewport: { width: 375, height: 740 } });
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
      await context.close();
    });
  },
);
