/**
 * Sign-ins per second on one instance, end to end: the form without JavaScript (`POST
 * /login`) against a real Baton on SQLite with the password hasher `npm start` uses, so
 * that the figure includes the password check, the session write and the response.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerChild } from '../lib/child.ts';
import { buildClient } from '../lib/client-build.ts';
import { browserish, type LoadResult, postLoad } from '../lib/load.ts';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, count, figure, ms, row } from '../lib/result.ts';
import { median, summarize } from '../lib/stats.ts';

const SECRET = 'bench-signin-secret-long-enough-for-baton-0001';
const PASSWORD = 'a long enough password';
/** Distinct accounts (fewer in the quick mode), so that no per-account rule stands between the sign-ins. */
const ACCOUNTS = 16;

/** Two sign-ins in flight per core: enough to keep every core hashing, few enough not to queue long. */
export const signInConnections = (cores = os.availableParallelism()) => Math.max(2, 2 * cores);

/** Throws unless every request was a sign-in: 303 to /account and one session written each. */
function assertAllSignedIn(result: LoadResult, sessionsWritten: number): void {
  const other = Object.entries(result.statuses).filter(([code]) => code !== '303');
  if (result.errors > 0 || other.length > 0 || result.responses === 0) {
    throw new Error(
      `POST /login: expected only 303s, got ${JSON.stringify(result.statuses)} and ${result.errors} errors`,
    );
  }
  if (sessionsWritten !== result.responses) {
    throw new Error(
      `POST /login: ${result.responses} responses but ${sessionsWritten} sessions written (a wrong password answers 303 too)`,
    );
  }
}

export async function signInBenchmark(mode: Mode): Promise<Omit<BenchResult, 'seconds'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-signin-'));
  let server: ServerChild | null = null;
  try {
    server = await ServerChild.start(
      {
        kind: 'baton',
        secret: SECRET,
        distDir: (await buildClient(mode.scratch)).distDir,
        store: { type: 'sqlite', file: path.join(dir, 'baton.db') },
        hashing: 'default',
      },
      'Baton (SQLite, default hasher)',
    );
    const target = server;
    const connections = signInConnections();
    const accounts = mode.quick ? connections : ACCOUNTS;
    const emails = Array.from({ length: accounts }, (_, i) => `signin-${i}@example.com`);
    for (const email of emails) {
      await target.request<string>({ cmd: 'account', email, password: PASSWORD });
    }
    const browser = browserish();
    const bodyFor = (i: number) =>
      new URLSearchParams({ email: emails[i % accounts] as string, password: PASSWORD }).toString();

    async function run(amount: number): Promise<LoadResult> {
      const before = (await target.stats()).sessionsWritten ?? 0;
      const result = await postLoad({
        target,
        path: '/login',
        bodies: Array.from({ length: amount + connections }, (_, i) => bodyFor(i)),
        headers: browser.headers(target.url),
        amount,
        connections,
        // A sign-in waits for its turn at the hasher; slow hashing must not read as errors.
        timeoutSeconds: 60,
      });
      assertAllSignedIn(result, ((await target.stats()).sessionsWritten ?? 0) - before);
      return result;
    }

    // Warm-up: every account signs in once (rehashing a stored hash made with cheap
    // parameters to the default), and a rate to size the rounds by.
    const warm = await run(accounts);
    const rate = mode.quick ? warm.perSecond : (await run(2 * accounts)).perSecond;
    const roundSeconds = mode.quick ? 1 : 3;
    const rounds = mode.quick ? 1 : 5;
    const results: LoadResult[] = [];
    for (let round = 0; round < rounds; round++) {
      results.push(await run(Math.max(connections, Math.round(rate * roundSeconds))));
    }
    const perSecond = summarize(results.map((r) => r.perSecond));
    const p50 = summarize(results.map((r) => r.p50));
    const p99 = summarize(results.map((r) => r.p99));
    const cores = median(results.map((r) => r.serverCores));
    return {
      id: 'signin',
      title: 'Sign-ins per second on one instance: `POST /login`',
      rows: [
        row({
          subject: 'sign-ins per second, one instance (`POST /login`, default hasher)',
          baseline: '— (reported)',
          batonFigure: figure(perSecond, count, ' sign-ins/s'),
          baselineFigure: '—',
          ratio: perSecond,
          unit: 'sign-ins/s',
          target: null,
        }),
      ],
      method: [
        `A real Baton from \`createBaton\` on a SQLite file, in a child process, with the password ` +
          `hasher and parameters \`npm start\` uses (rate limits raised out of the way). autocannon ` +
          `posts the login form without JavaScript (\`POST /login\`, email and password) over ` +
          `${connections} keep-alive connections, two per core, cycling over ${accounts} accounts; ` +
          `every response must be a 303 with one session written (a wrong password would also be a ` +
          `303, to /login, so the server's count of sessions written is checked).`,
        `${rounds} round${rounds === 1 ? '' : 's'} of about ${roundSeconds} s after a warm-up in which ` +
          `every account signs in once.`,
      ].join('\n\n'),
      details: [
        [
          '| sign-ins/s | p50 | p99 | server busy |',
          '|---|---|---|---|',
          `| ${figure(perSecond, count)} | ${figure(p50, ms)} | ${figure(p99, ms)} | ${(cores * 100).toFixed(0)}% of a core |`,
        ].join('\n'),
      ],
      limits: [
        `The password check is nearly all of a sign-in: the figure is about the hasher's checks per ` +
          `second on this machine's cores (see the password checks benchmark), less what the session ` +
          `write and the response take.`,
      ],
    };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
