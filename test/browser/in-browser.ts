/**
 * What every browser test file needs around its tests, in one place: Chromium found (the
 * file skipped without it, or failed under REQUIRE_BROWSER=1), a Baton started for the
 * suite on port 0 and Chromium launched beside it, a fresh context for each test that asks,
 * and everything closed after.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import type { BatonOptions } from '../../server/app.ts';
import { CLIENT_DIR } from '../helpers/build-client.ts';
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/chromium.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

/** Decided once per test file, as it is imported: throws under REQUIRE_BROWSER=1 without Chromium. */
const skipReason = browserSkipReason();

export interface InBrowserOptions {
  /** startServer's options; `assetsDir` is the built client unless given. */
  server?: Omit<Partial<BatonOptions>, 'origins'>;
  /**
   * A name Chromium reaches the server by instead of 127.0.0.1 (mapped to 127.0.0.1 by
   * `--host-resolver-rules`, except localhost, which needs no mapping). `server.base` is the
   * server's URL under it.
   */
  host?: string;
  /** The origins the server allows once it listens; its own URL alone unless given. */
  origins?: (addresses: { url: string; base: string }) => string[];
}

/** The running server, with the address the browser opens it at. */
export interface BrowserServer extends RunningServer {
  /** The server's URL under `InBrowserOptions.host`; its `url` without one. */
  base: string;
}

/**
 * What a suite's tests use. `server` and `chromium` are started in the suite's `beforeAll`:
 * read their fields inside tests and hooks, not while the suite is collected.
 */
export interface InBrowser {
  server: BrowserServer;
  chromium: LaunchedBrowser;
  /** A fresh context (its own cookies), closed after the test that made it. */
  newContext: LaunchedBrowser['newContext'];
  /**
   * The server's list of allowed origins. The door reads it on each upgrade and request, so
   * a test may empty it (new sockets are refused with 403) and fill it again.
   */
  origins: string[];
}

/**
 * `describe(name, body)` with a Baton and Chromium around it, skipped without Chromium.
 *
 * @example
 * describeInBrowser('hydration', ({ server, newContext }) => {
 *   it('signs up', async () => {
 *     const page = await (await newContext()).newPage();
 *     await page.goto(`${server.url}/signup`);
 *   });
 * });
 */
export function describeInBrowser(name: string, body: (browser: InBrowser) => void): void;
export function describeInBrowser(
  name: string,
  options: InBrowserOptions,
  body: (browser: InBrowser) => void,
): void;
export function describeInBrowser(
  name: string,
  ...args: [(browser: InBrowser) => void] | [InBrowserOptions, (browser: InBrowser) => void]
): void {
  const [options, body] = args.length === 1 ? [{}, args[0]] : args;
  describe.skipIf(skipReason !== null)(name, () => {
    let running: BrowserServer | undefined;
    let launched: LaunchedBrowser | undefined;
    const origins: string[] = [];
    const contexts: BrowserContext[] = [];
    const chromium = late('Chromium', () => launched);

    // Registered before the body's hooks: vitest runs after-hooks in reverse (sequence.hooks
    // 'stack'), so the server and Chromium are there for all of the body's hooks.
    beforeAll(async () => {
      const started = await startServer({ assetsDir: CLIENT_DIR, ...options.server, origins });
      const base =
        options.host === undefined
          ? started.url
          : `http://${options.host}:${new URL(started.url).port}`;
      origins.push(...(options.origins?.({ url: started.url, base }) ?? [started.url]));
      running = { ...started, base };
      const mapped = options.host !== undefined && options.host !== 'localhost';
      launched = await launchChromium({
        args: mapped ? [`--host-resolver-rules=MAP ${options.host} 127.0.0.1`] : [],
      });
    });
    afterAll(async () => {
      await launched?.close();
      await running?.stop();
    });

    body({
      server: late('The server', () => running),
      chromium,
      async newContext(contextOptions) {
        const context = await chromium.newContext(contextOptions);
        contexts.push(context);
        return context;
      },
      origins,
    });

    // Registered after the body's hooks, so it runs before them: a body's afterEach sees
    // this test's contexts (and their sockets) closed.
    afterEach(async () => {
      await Promise.all(contexts.splice(0).map((context) => context.close()));
    });
  });
}

/**
 * A stand-in for what `get` returns once a `beforeAll` has made it: each field is read from
 * it when used, its methods bound to it.
 */
function late<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = get();
      if (target === undefined) {
        throw new Error(`${what} is not started: use it inside a test or a hook`);
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
