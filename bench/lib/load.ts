/**
 * HTTP load with autocannon: POSTs a different form body on every request (a fresh handoff
 * each time), records every response's latency at full precision (autocannon's own
 * histogram rounds to whole milliseconds), and checks with the server's own counters that
 * every request did what the benchmark meant it to.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { sealHandoff } from '../../server/handoff/seal.ts';
import type { KeyRing } from '../../server/keys/keyring.ts';
import type { ServerChild } from './child.ts';
import { percentile } from './stats.ts';

export const CONNECTIONS = 10;

/** A desktop Chrome's User-Agent: every browser sends one, and Baton names the session's device by it. */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** What one browser presents when it redeems: its binding cookie, the page's Origin and its User-Agent. */
export interface Browserish {
  binding: string;
  headers(origin: string): Record<string, string>;
}

export function browserish(): Browserish {
  const binding = randomBytes(32).toString('base64url');
  return {
    binding,
    headers: (origin) => ({
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `baton.bind=${binding}`,
      origin,
      'user-agent': BROWSER_USER_AGENT,
    }),
  };
}

/** Seals `n` fresh handoffs for `accountId` bound to `browser`, as form bodies. */
export function mintHandoffs(
  ring: KeyRing,
  browser: Browserish,
  accountId: string,
  n: number,
): string[] {
  const bodies = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const token = sealHandoff(
      ring,
      {
        binding: browser.binding,
        destination: '/account',
        change: { kind: 'sign-in', accountId, credentialVersion: 0, remember: false },
        flash: [{ kind: 'info', text: 'Welcome back! You are signed in.' }],
      },
      // Long enough that no handoff expires while it waits for its round.
      { ttlSeconds: 900 },
    );
    bodies[i] = `handoff=${token}`;
  }
  return bodies;
}

export interface LoadResult {
  /** Every response's latency in ms, in arrival order. */
  latencies: Float64Array;
  /** performance.now() at the start and at the last response. */
  startedAt: number;
  endedAt: number;
  responses: number;
  elapsedMs: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Status code -> count. */
  statuses: Record<string, number>;
  errors: number;
  /** Cores the server child used during the run. */
  serverCores: number;
  /** Cores this process (the load generator) used during the run. */
  clientCores: number;
  /** Server CPU time per response, in microseconds. */
  serverMicrosPerRequest: number;
  accepted: number;
  refused: number;
  /** Redeems the server answered 503 because its store did not answer in time. */
  unavailable: number;
}

/**
 * Sends exactly `amount` POSTs to `path` on `target`, one body from `bodies` each (never one
 * twice), over `connections` keep-alive connections.
 */
export async function postLoad(options: {
  target: ServerChild;
  path: string;
  bodies: readonly string[];
  headers: Record<string, string>;
  amount: number;
  connections?: number;
  /** Seconds before a request counts as timed out (default 10). */
  timeoutSeconds?: number;
}): Promise<LoadResult> {
  const { target, bodies, amount } = options;
  const connections = options.connections ?? CONNECTIONS;
  if (bodies.length < amount + connections) {
    throw new Error(
      `postLoad needs at least ${amount + connections} bodies (received ${bodies.length})`,
    );
  }
  const latencies = new Float64Array(amount);
  let recorded = 0;
  let next = 0;
  // autocannon reports at its next one-second sample tick; the run ends at the last response.
  let lastResponseAt = 0;
  const before = await target.stats();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.url}${options.path}`,
        connections,
        amount,
        timeout: options.timeoutSeconds ?? 10,
        requests: [
          {
            method: 'POST',
            path: options.path,
            headers: options.headers,
            setupRequest: (request) => ({ ...request, body: bodies[next++] as string }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (recorded < amount) latencies[recorded++] = responseTime;
      lastResponseAt = performance.now();
    });
    // Bounded in time as well as in count: a stuck server fails the benchmark, not CI's clock.
    const guard = setTimeout(() => instance.stop(), 120_000);
    instance.once('done', () => clearTimeout(guard));
  });
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = lastResponseAt - started;
  const after = await target.stats();
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = stat?.count ?? 0;
  const responses = recorded;
  const serverCpuMicros = after.cpuMicros - before.cpuMicros;
  return {
    latencies: latencies.subarray(0, recorded),
    startedAt: started,
    endedAt: lastResponseAt,
    responses,
    elapsedMs,
    perSecond: responses / (elapsedMs / 1000),
    p50: percentile(latencies.subarray(0, recorded), 50),
    p99: percentile(latencies.subarray(0, recorded), 99),
    statuses,
    errors: result.errors + result.timeouts,
    serverCores: serverCpuMicros / 1000 / elapsedMs,
    clientCores: (cpu.user + cpu.system) / 1000 / (performance.now() - started),
    serverMicrosPerRequest: serverCpuMicros / Math.max(1, responses),
    accepted: after.accepted - before.accepted,
    refused: after.refused - before.refused,
    unavailable: (after.unavailable ?? 0) - (before.unavailable ?? 0),
  };
}

/**
 * Throws unless every request was answered 303 or, when `shed` allows it, 503 because the
 * store did not answer in time (counted by the server, one for one); every 303 must be a
 * redeem the server counted, and none refused. Anything else (a 500, a refusal, a transport
 * error, a 503 the server did not count as a store timeout) is a real error.
 */
export function assertRedeemed(
  what: string,
  result: LoadResult,
  options: { shed: boolean } = { shed: false },
): void {
  const redeemed = result.statuses['303'] ?? 0;
  const shed = result.statuses['503'] ?? 0;
  const other = Object.entries(result.statuses).filter(
    ([code]) => code !== '303' && !(options.shed && code === '503'),
  );
  if (result.errors > 0 || other.length > 0 || redeemed === 0) {
    throw new Error(
      `${what}: expected only 303s${options.shed ? ' and store-timeout 503s' : ''}, got ${JSON.stringify(result.statuses)} and ${result.errors} errors`,
    );
  }
  if (shed !== result.unavailable) {
    throw new Error(
      `${what}: ${shed} answers were 503 but the server counted ${result.unavailable} store timeouts`,
    );
  }
  if (result.refused > 0 || result.accepted !== redeemed) {
    throw new Error(
      `${what}: ${redeemed} redeems answered but the server accepted ${result.accepted} and refused ${result.refused}`,
    );
  }
}
