/**
 * Ten thousand idle live sockets on one instance: what each costs the server beside a bare
 * `ws` server holding as many, and the p99 of a `validate` round trip while they are open
 * beside a `ws` echo holding as many. The idle clients live in a child process of their own
 * (bench/lib/crowd-client.ts), apart from the server's child and from the probe here.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerChild } from '../lib/child.ts';
import { buildClient } from '../lib/client-build.ts';
import type { CrowdReply, CrowdRequest } from '../lib/crowd-client.ts';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, bytes, figure, ms, row } from '../lib/result.ts';
import { openSocket } from '../lib/sockets.ts';
import { interleave, pairedRatios, percentile, summarize } from '../lib/stats.ts';
import type { HostMemory } from '../servers/config.ts';
import { roundTrips, validateFrame } from './roundtrip.ts';

const CLIENT = path.resolve(import.meta.dirname, '../lib/crowd-client.ts');
const SECRET = 'bench-crowd-secret-long-enough-for-baton-0001';
type Variant = 'baton' | 'ws';
/** A crowd command before its id is added. */
type Command = CrowdRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** The crowd's child process, driven over IPC. */
class Crowd {
  #next = 1;
  readonly #pending = new Map<number, (reply: CrowdReply) => void>();
  readonly child: ChildProcess;

  constructor() {
    this.child = fork(CLIENT, [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: CrowdReply) => {
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
  }

  async send(request: Command): Promise<number> {
    const id = this.#next++;
    const reply = await new Promise<CrowdReply>((resolve) => {
      this.#pending.set(id, resolve);
      this.child.send({ ...request, id });
    });
    if (!reply.ok) throw new Error(`the crowd's child: ${reply.error}`);
    return reply.open;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const total = (m: HostMemory) => m.heapUsed + m.external;

async function waitForSockets(server: ServerChild, n: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  while ((await server.stats()).sockets !== n) {
    if (performance.now() > deadline) throw new Error(`${server.label} never counted ${n} sockets`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function crowdBenchmark(
  mode: Mode,
  plan: { connections: number; note: string | null },
): Promise<Omit<BenchResult, 'seconds'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-crowd-'));
  const n = plan.connections;
  const crowd = new Crowd();
  // A p99 over 2,000 frames rests on its 20 slowest; 10,000 give it 100, and a round still lasts
  // under a second.
  const perRound = mode.quick ? 300 : 10_000;
  const rounds = mode.quick ? 1 : 5;
  const memory: Record<Variant, number[]> = { baton: [], ws: [] };
  const p99: Record<Variant, number[]> = { baton: [], ws: [] };
  try {
    await interleave(rounds, ['ws', 'baton'] as const, async (variant, round) => {
      const server = await ServerChild.start(
        variant === 'baton'
          ? {
              kind: 'baton',
              secret: SECRET,
              distDir: (await buildClient(mode.scratch)).distDir,
              store: { type: 'sqlite', file: path.join(dir, `baton-${round}.db`) },
            }
          : { kind: 'ws-echo' },
        variant === 'baton' ? 'Baton live socket' : 'ws echo',
      );
      try {
        const url = `ws://127.0.0.1:${server.port}/live`;
        // Warm the upgrade path before the first reading.
        await crowd.send({ cmd: 'open', url, origin: server.url, n: 50 });
        await crowd.send({ cmd: 'close' });
        await waitForSockets(server, 0);
        const before = await server.memory();
        await crowd.send({ cmd: 'open', url, origin: server.url, n });
        await waitForSockets(server, n);
        const after = await server.memory();
        memory[variant].push((total(after) - total(before)) / n);
        const probe = await openSocket({
          url,
          headers: {
            cookie: `baton.bind=${randomBytes(32).toString('base64url')}`,
            origin: server.url,
          },
        });
        try {
          let ref = 0;
          await roundTrips(probe, Math.min(200, perRound), () => validateFrame(++ref));
          const times = await roundTrips(probe, perRound, () => validateFrame(++ref));
          p99[variant].push(percentile(times, 99));
        } finally {
          probe.terminate();
        }
        await crowd.send({ cmd: 'close' });
      } finally {
        await server.stop();
      }
      return 0;
    });
  } finally {
    crowd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const heap = { baton: summarize(memory.baton), ws: summarize(memory.ws) };
  const rtt = { baton: summarize(p99.baton), ws: summarize(p99.ws) };
  const open = n.toLocaleString('en');
  return {
    id: 'crowd',
    title: `${open} idle live sockets on one instance`,
    rows: [
      row({
        subject: `memory per idle socket, ${open} open`,
        baseline: `\`ws\` server holding ${open}`,
        batonFigure: figure(heap.baton, bytes),
        baselineFigure: figure(heap.ws, bytes),
        ratio: pairedRatios(heap.baton, heap.ws),
        unit: 'x',
        target: { direction: 'at-most', value: 1.5 },
      }),
      row({
        subject: `\`validate\` round trip p99, ${open} idle sockets open`,
        baseline: `\`ws\` echo of the same bytes, ${open} idle sockets open`,
        batonFigure: figure(rtt.baton, ms),
        baselineFigure: figure(rtt.ws, ms),
        ratio: pairedRatios(rtt.baton, rtt.ws),
        unit: 'x',
        target: { direction: 'at-most', value: 2 },
      }),
    ],
    method: [
      `Each round starts the server in a fresh child process; a second child process (the crowd) opens ` +
        `${open} idle sockets to it, each a login page of its own (a fresh binding cookie, an allowed ` +
        `Origin), 64 at a time, so that neither the server nor the probe shares a process, an event loop ` +
        `or a file-descriptor table with them. Memory is the growth of the server's V8 heap used + ` +
        `external per socket, read after garbage collection before and after. Then, with the crowd still ` +
        `open, one more socket from the benchmark process sends ${perRound.toLocaleString('en')} ` +
        `\`validate\` frames one after another (after a warm-up) and the p99 of their round trips is ` +
        `taken. The baseline is a \`ws\` server with Baton's socket options that echoes every frame, ` +
        `holding as many sockets, probed with the same bytes.`,
      `${rounds} interleaved round${rounds === 1 ? '' : 's'} per server.${plan.note ? ` ${plan.note}` : ''}`,
    ].join('\n\n'),
    details: [],
    limits: [
      `Every socket costs two file descriptors on this machine (the server's end and the crowd's), in ` +
        `two processes, so ${open} sockets need a limit of ${open} plus some in each. The memory figure ` +
        `is what the server's JavaScript keeps per socket; kernel socket buffers are in neither figure.`,
    ],
  };
}
