/**
 * Benchmark 5: from clicking "Log in" to the account page loaded, in Chromium: the live
 * form (socket submit, handoff, POST /handoff, 303, account page) against the same person
 * through the form without JavaScript (POST /login, 303, account page). Cheap argon2 on
 * both, so password hashing is not what is measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromiumPath, launchChromium } from '../../test/helpers/chromium.ts';
import { ServerChild } from '../lib/child.ts';
import type { ClientBuild } from '../lib/client-build.ts';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, figure, ms, row } from '../lib/result.ts';
import { openSocket } from '../lib/sockets.ts';
import { interleave, median, pairedRatios, summarize } from '../lib/stats.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'a long enough password';
const STEP_TIMEOUT_MS = 15_000;
type Variant = 'live' | 'plain';

/** Why the browser benchmark cannot run here, or null. Throws with REQUIRE_BROWSER=1. */
export function browserSkipReason(): string | null {
  if (chromiumPath) return null;
  const reason =
    'Chromium not found at /usr/bin/chromium (install it with `apt-get install -y chromium`)';
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${reason}`);
  return reason;
}

/**
 * Runs in both variants' pages (before any of the page's own scripts): marks the page once its
 * live socket is open (so a live click is never the no-socket fallback), and notes when the
 * click happened, on the page's clock, in sessionStorage, which the account page of the same
 * tab can read.
 */
function instrumentPage(): void {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('open', () => {
        (window as unknown as { __liveOpen: boolean }).__liveOpen = true;
      });
    }
  };
  document.addEventListener(
    'click',
    (event) =>
      sessionStorage.setItem('benchClickAt', String(performance.timeOrigin + event.timeStamp)),
    true,
  );
}

/** What the account page's navigation timing says, read from the page after its load event. */
interface Landed {
  /** When the navigation that ended on /account started (the form post), on the epoch clock. */
  navigationStart: number;
  /** From then to the end of the load event. */
  toLoad: number;
  /** The live variant's click, on the epoch clock. */
  clickAt: number | null;
}

function readLanding(): Landed {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
  const noted = sessionStorage.getItem('benchClickAt');
  return {
    navigationStart: performance.timeOrigin,
    toLoad: nav.loadEventEnd,
    clickAt: noted ? Number(noted) : null,
  };
}

/**
 * Baton's scripts, as the baseline's browser must not run them. They are blocked in the
 * browser's network stack rather than by switching JavaScript off: with JavaScript off the
 * page cannot note its click, and the baseline used to be timed from the start of its form
 * post instead, which Chromium stamps only after the renderer has taken the mouse events, the
 * click and the submit (tens of milliseconds on a busy machine, all charged to the live form
 * alone). Blocked, the form and the account page work exactly as without JavaScript, and both
 * variants are timed from the same click note.
 */
const BATON_SCRIPTS = ['*/assets/*.js'];

export async function browserBenchmark(
  mode: Mode,
  client: ClientBuild,
): Promise<Omit<BenchResult, 'seconds'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-browser-'));
  const server = await ServerChild.start(
    {
      kind: 'baton',
      secret: 'bench-browser-secret-long-enough-for-baton-01',
      distDir: client.distDir,
      assetsDir: client.dir,
      store: { type: 'sqlite', file: path.join(dir, 'baton.db') },
    },
    'Baton (browser)',
  );
  const chromium = await launchChromium();
  try {
    await server.request({ cmd: 'account', email: EMAIL, password: PASSWORD });
    const submitFromNode = await socketSubmitTime(server, mode.quick ? 5 : 20);

    const parts: Record<
      Variant,
      { beforeNavigation: number[]; navigation: number[]; driver: number[] }
    > = {
      live: { beforeNavigation: [], navigation: [], driver: [] },
      plain: { beforeNavigation: [], navigation: [], driver: [] },
    };

    /** One sign-in in a fresh browser context (a new person's browser); returns the time in ms. */
    async function signIn(variant: Variant): Promise<number> {
      const context: BrowserContext = await chromium.newContext();
      try {
        const page = await context.newPage();
        // Both variants get the same CDP session and network domain, so the blocking costs the
        // baseline nothing the live form is spared.
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.setBlockedURLs', {
          urls: variant === 'plain' ? BATON_SCRIPTS : [],
        });
        page.setDefaultTimeout(STEP_TIMEOUT_MS);
        const posts: string[] = [];
        page.on('request', (request) => {
          if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
        });
        await page.addInitScript(instrumentPage);
        await page.goto(`${server.url}/login`, { waitUntil: 'load' });
        if (variant === 'live')
          await page.waitForFunction(
            () => (window as unknown as { __liveOpen?: boolean }).__liveOpen === true,
          );
        await page.getByLabel('Email').fill(EMAIL);
        await page.getByLabel('Password').fill(PASSWORD);
        const button = page.getByRole('button', { name: 'Log in' });
        await button.waitFor();
        const started = performance.now();
        await Promise.all([
          page.waitForURL(`${server.url}/account`, { waitUntil: 'load' }),
          button.click(),
        ]);
        const driver = performance.now() - started;
        const landed = await page.evaluate(readLanding);
        if (!(landed.toLoad > 0)) throw new Error('the account page reports no load event end');
        if (landed.clickAt === null) throw new Error(`the ${variant} page did not note the click`);
        // Both variants are timed from the click event (its time stamp: when the browser took
        // the mouse button's release), on the browser's clock.
        const before = landed.navigationStart - landed.clickAt;
        const elapsed = before + landed.toLoad;
        parts[variant].beforeNavigation.push(before);
        parts[variant].navigation.push(landed.toLoad);
        parts[variant].driver.push(driver);
        // Outside the timing: it really is the account page, reached the way this variant should.
        await page.getByText(EMAIL).first().waitFor();
        const expected = variant === 'live' ? ['/handoff'] : ['/login'];
        if (posts.join(',') !== expected.join(',')) {
          throw new Error(
            `the ${variant} sign-in posted to ${JSON.stringify(posts)}, expected ${JSON.stringify(expected)}`,
          );
        }
        return elapsed;
      } finally {
        await context.close();
      }
    }

    // Even a quick run takes 5: the median of 2 rounds is their mean, so one slow sign-in on a
    // busy machine was enough to double the quick ratio.
    const rounds = mode.quick ? 5 : 15;
    for (let i = 0; i < (mode.quick ? 1 : 3); i++) {
      await signIn('live');
      await signIn('plain');
    }
    for (const variant of ['live', 'plain'] as const) {
      parts[variant] = { beforeNavigation: [], navigation: [], driver: [] };
    }
    const times = await interleave(rounds, ['live', 'plain'] as const, (variant) =>
      signIn(variant),
    );
    const s = { live: summarize(times.live), plain: summarize(times.plain) };
    const part = (variant: Variant, key: keyof (typeof parts)['live']) =>
      figure(summarize(parts[variant][key]), ms);
    const navigation = {
      live: median(parts.live.navigation),
      plain: median(parts.plain.navigation),
    };
    const sameNavigation = navigation.live <= navigation.plain * 1.15;
    return {
      id: 'browser',
      title: 'Click "Log in" to the account page, in Chromium',
      rows: [
        row({
          subject: 'click "Log in" → account page loaded',
          baseline: 'the same person through the no-JavaScript `POST /login`',
          batonFigure: figure(s.live, ms),
          baselineFigure: figure(s.plain, ms),
          ratio: pairedRatios(s.live, s.plain),
          unit: 'x',
          target: { direction: 'at-most', value: 1.3 },
        }),
      ],
      method: [
        `Headless Chromium (Debian's, through playwright-core) against a real Baton serving the built client, ` +
          `in a child process, with cheap argon2 parameters (m=64 KiB, t=1) so password hashing is not measured. ` +
          `Each sign-in uses a fresh browser context (a new person's browser): load \`/login\`, wait until ` +
          `the live socket is open (live variant), fill in the email and password, then time from the click ` +
          `on "Log in" to the end of the \`load\` event of \`/account\`, on the browser's own clock (the ` +
          `click event's time, noted by the page, and the account page's navigation timing). The live variant goes socket submit → sealed ` +
          `handoff → \`POST /handoff\` → 303 → \`/account\` (and runs the page's JavaScript); the baseline ` +
          `is the same form without Baton's JavaScript: \`POST /login\` → 303 → \`/account\`. Each sign-in is ` +
          `checked to have reached the account page showing the email, through the expected POST.`,
        `${rounds} interleaved rounds after ${mode.quick ? 1 : 3} warm-up sign-in${mode.quick ? '' : 's'} each. ` +
          `In the baseline Baton's scripts are blocked in the browser's network stack (CDP ` +
          `\`Network.setBlockedURLs\`) rather than JavaScript switched off, so the same script the test ` +
          `adds to both variants notes the click in both, and both are timed from the click event. ` +
          `(Timed from the start of its form post instead, as with JavaScript off, the baseline was spared ` +
          `the time its renderer takes to handle the mouse events, the click and the submit, which the ` +
          `live form was charged.)`,
      ].join('\n\n'),
      details: [
        [
          '| variant | click → navigation starts | navigation start → account page loaded | the same seen by the test driver |',
          '|---|---|---|---|',
          `| live form | ${part('live', 'beforeNavigation')} | ${part('live', 'navigation')} | ${part('live', 'driver')} |`,
          `| no JavaScript | ${part('plain', 'beforeNavigation')} | ${part('plain', 'navigation')} | ${part('plain', 'driver')} |`,
        ].join('\n'),
        `The same socket submit sent from Node, without a browser, answers in ${ms(submitFromNode)} (median).`,
        `"Click → navigation starts" is, on both paths, the renderer taking the mouse events and the click; ` +
          `then for the plain form the browser's own post, and for the live form the submit over the socket, ` +
          `the server checking the password (cheap parameters) and sealing the handoff, the reply, and the ` +
          `hidden form posting it. The navigation that follows is \`POST /handoff\` → 303 → \`/account\` for the live ` +
          `form and \`POST /login\` → 303 → \`/account\` without JavaScript; the live account page also ` +
          `compiles and runs the page script before its load event. The driver column is Playwright's view ` +
          `from the click call to its load wait returning, for reference.`,
      ],
      limits: [
        `The live form does two things the plain post does not, both in the table above. Before the ` +
          `navigation starts: a round trip over the socket in which the server checks the password and seals ` +
          `the handoff (${ms(submitFromNode)} from Node; more from the browser, whose own work at the click ` +
          `competes for the same ${os.cpus().length} cores), then the hidden form post. After it, the account ` +
          `page's script is compiled and run, where the no-JavaScript page has nothing to run. ` +
          (sameNavigation
            ? `The navigation itself (a form post, a 303, the account page) took about as long on both paths ` +
              `(${ms(navigation.live)} and ${ms(navigation.plain)}), so redeeming the handoff on the server is ` +
              `not what limits it: the time before the navigation is.`
            : `The navigation itself took ${ms(navigation.live)} on the live path and ${ms(navigation.plain)} ` +
              `without JavaScript; the difference is the account page's script.`),
      ],
    };
  } finally {
    await chromium.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median time of a login submit over the live socket from Node: the server's side of the live form. */
async function socketSubmitTime(server: ServerChild, n: number): Promise<number> {
  const socket = await openSocket({
    url: `ws://127.0.0.1:${server.port}/live`,
    headers: { cookie: `baton.bind=${randomBytes(32).toString('base64url')}`, origin: server.url },
  });
  try {
    const times: number[] = [];
    for (let ref = 1; ref <= n; ref++) {
      const started = performance.now();
      const reply = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply to a submit within 5 s')), 5000);
        socket.once('message', (data) => {
          clearTimeout(timer);
          resolve(String(data));
        });
        socket.send(
          JSON.stringify({
            type: 'submit',
            ref,
            form: 'login',
            fields: { email: EMAIL, password: PASSWORD },
          }),
        );
      });
      if (!reply.startsWith('{"type":"accepted"'))
        throw new Error(`the submit was not accepted: ${reply}`);
      times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    socket.terminate();
  }
}
