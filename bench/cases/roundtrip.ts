/**
 * Benchmark 4: a `validate` round trip over Baton's live socket, against a bare `ws` server
 * echoing the same bytes. One client connection per server, one frame in flight at a time;
 * both servers run in child processes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type WebSocket from 'ws';
import { ServerChild } from '../lib/child.ts';
import { buildClient } from '../lib/client-build.ts';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, figure, ms, row } from '../lib/result.ts';
import { openSocket } from '../lib/sockets.ts';
import { interleave, pairedRatios, percentile, summarize } from '../lib/stats.ts';

const REPLY_TIMEOUT_MS = 5_000;

/** What a person typing into the login form sends, as the client sends it. */
export const validateFrame = (ref: number) =>
  JSON.stringify({
    type: 'validate',
    ref,
    form: 'login',
    fields: { email: 'grace@example.com', password: 'a long enough password' },
  });
type Variant = 'baton' | 'echo';

/** Sends `frame(i)` and waits for the next message, `n` times; returns each round trip in ms. */
export async function roundTrips(
  socket: WebSocket,
  n: number,
  frame: (i: number) => string,
): Promise<Float64Array> {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const text = frame(i);
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply within ${REPLY_TIMEOUT_MS} ms`)),
        REPLY_TIMEOUT_MS,
      );
      socket.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.send(text);
    });
    times[i] = performance.now() - started;
  }
  return times;
}

export async function roundTripBenchmark(mode: Mode): Promise<Omit<BenchResult, 'seconds'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-rt-'));
  const children: ServerChild[] = [];
  const sockets: WebSocket[] = [];
  try {
    const baton = await ServerChild.start(
      {
        kind: 'baton',
        secret: 'bench-roundtrip-secret-long-enough-for-baton',
        distDir: (await buildClient(mode.scratch)).distDir,
        store: { type: 'sqlite', file: path.join(dir, 'baton.db') },
      },
      'Baton live socket',
    );
    children.push(baton);
    const echo = await ServerChild.start({ kind: 'ws-echo' }, 'ws echo');
    children.push(echo);
    const headers = (url: string) => ({
      cookie: `baton.bind=${randomBytes(32).toString('base64url')}`,
      origin: url,
    });
    const clients: Record<Variant, WebSocket> = {
      baton: await openSocket({
        url: `ws://127.0.0.1:${baton.port}/live`,
        headers: headers(baton.url),
      }),
      echo: await openSocket({
        url: `ws://127.0.0.1:${echo.port}/live`,
        headers: headers(echo.url),
      }),
    };
    sockets.push(clients.baton, clients.echo);

    let ref = 0;
    const next = () => validateFrame(++ref);
    // Baton must answer `validated` with no errors: anything else means the frame was refused.
    const reply = await new Promise<string>((resolve) => {
      clients.baton.once('message', (data) => resolve(String(data)));
      clients.baton.send(next());
    });
    if (!reply.startsWith('{"type":"validated"') || !reply.includes('"errors":{}')) {
      throw new Error(`Baton did not validate the frame: ${reply}`);
    }

    const perRound = mode.quick ? 400 : 2000;
    const rounds = mode.quick ? 3 : 7;
    for (const variant of ['baton', 'echo'] as const)
      await roundTrips(clients[variant], perRound, () => next());
    const p50: Record<Variant, number[]> = { baton: [], echo: [] };
    const p99: Record<Variant, number[]> = { baton: [], echo: [] };
    await interleave(rounds, ['baton', 'echo'] as const, async (variant) => {
      const times = await roundTrips(clients[variant], perRound, () => next());
      p50[variant].push(percentile(times, 50));
      p99[variant].push(percentile(times, 99));
      return 0;
    });
    const s = {
      p50: { baton: summarize(p50.baton), echo: summarize(p50.echo) },
      p99: { baton: summarize(p99.baton), echo: summarize(p99.echo) },
    };
    return {
      id: 'roundtrip',
      title: '`validate` round trip over the live socket',
      rows: [
        row({
          subject: '`validate` round trip p99',
          baseline: '`ws` echo of the same bytes',
          batonFigure: figure(s.p99.baton, ms),
          baselineFigure: figure(s.p99.echo, ms),
          ratio: pairedRatios(s.p99.baton, s.p99.echo),
          unit: 'x',
          target: { direction: 'at-most', value: 2 },
        }),
        row({
          subject: '`validate` round trip p50',
          baseline: '`ws` echo of the same bytes',
          batonFigure: figure(s.p50.baton, ms),
          baselineFigure: figure(s.p50.echo, ms),
          ratio: pairedRatios(s.p50.baton, s.p50.echo),
          unit: 'x',
          target: null,
        }),
      ],
      method: [
        `One client connection to each server, from the benchmark process; the servers run in child ` +
          `processes. A round sends ${perRound.toLocaleString('en')} \`validate\` frames for the login form ` +
          `one after another, each sent when the previous reply arrived, and times each from send to reply. ` +
          `Baton parses the frame against the protocol schema, takes a point from the per-socket frame limiter, ` +
          `runs the form's rules and answers \`validated\`; the baseline is a bare \`ws\` server echoing the ` +
          `same bytes. Baton's first reply is checked to be \`validated\` with no errors.`,
        `${rounds} interleaved rounds per server after a warm-up round each; p50 and p99 are per round, ` +
          `the table gives their medians and ranges.`,
      ].join('\n\n'),
      details: [],
      limits: [
        `Per frame Baton does what an echo does not: takes a point from the per-socket frame limiter ` +
          `(rate-limiter-flexible, a promise), parses the JSON and checks it against the protocol schema ` +
          `(valibot), runs the login form's rules (the email shape, the password length and the common-password ` +
          `list) and serializes a reply. That is tens of microseconds on top of a round trip that is itself ` +
          `a few tens of microseconds on loopback, so the p50 ratio shows it most; at p99 both are dominated by ` +
          `scheduling noise on a shared machine.`,
      ],
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
