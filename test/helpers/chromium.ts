/**
 * Finds Debian's Chromium for the browser tests and launches it through playwright-core.
 * Never downloads a browser. Without Chromium the browser tests skip with a plain reason,
 * unless REQUIRE_BROWSER=1, when they fail instead.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const chromiumPath = CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;
export const browserRequired = process.env.REQUIRE_BROWSER === '1';

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (chromiumPath) return null;
  const reason =
    'Chromium not found at /usr/bin/chromium (install it with `apt-get install -y chromium`)';
  if (browserRequired) throw new Error(`REQUIRE_BROWSER=1 but ${reason}`);
  console.warn(`Skipping browser tests: ${reason}.`);
  return reason;
}

export interface LaunchedBrowser {
  browser: Browser;
  /** A fresh context (its own cookies), as a new person's browser. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches Chromium headless. `args` are added to the defaults, e.g.
 * `--host-resolver-rules=MAP baton.test 127.0.0.1` to serve Baton under a name that is not
 * localhost (where plain HTTP is not a secure context).
 */
export async function launchChromium(
  options: { args?: readonly string[] } = {},
): Promise<LaunchedBrowser> {
  if (!chromiumPath) throw new Error('Chromium is not installed');
  // playwright-core gives every launch a fresh temporary profile (user data dir) and
  // deletes it on close; it refuses a --user-data-dir argument.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args ?? []),
    ],
  });
  return {
    browser,
    newContext: (options) => browser.newContext(options),
    async close() {
      await browser.close();
    },
  };
}
