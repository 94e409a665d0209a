/**
 * Benchmark 3: server memory per idle live-socket connection, Baton's signed-out sockets (a
 * login page) and signed-in ones (an account page, a session each) against a bare `ws`
 * server with the same socket options. Each server runs in a fresh child process started
 * with --expose-gc; the connections are opened from this process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerChild } from '../lib/child.ts';
import { buildClient } from '../lib/client-build.ts';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, bytes, figure, row } from '../lib/result.ts';
import { signedInBrowsers } from '../lib/signed-in.ts';
import { closeSockets, openSockets } from '../lib/sockets.ts';
import { interleave, pairedRatios, summarize } from '../lib/stats.ts';
import type { HostMemory } from '../servers/config.ts';

type Variant = 'baton' | 'signedIn' | 'ws';
const SECRET = 'bench-memory-secret-long-enough-for-baton-01';
/** Sockets opened and closed before the first reading. */
const WARM_UP = 50;

export interface MemoryPlan {
  connections: number;
  note: string | null;
}

/** Measured in one child: what the connections added to heap + external and to RSS. */
interface Delta {
  heapExternal: number;
  rss: number;
}

const total = (m: HostMemory) => m.heapUsed + m.external;

export async function memoryBenchmark(
  mode: Mode,
  plan: MemoryPlan,
): Promise<Omit<BenchResult, 'seconds'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-memory-'));
  const n = plan.connections;
  const binding = randomBytes(32).toString('base64url');
  try {
    async function measure(variant: Variant, round: number): Promise<Delta> {
      const child = await ServerChild.start(
        variant === 'ws'
          ? { kind: 'ws-bare' }
          : {
              kind: 'baton',
              secret: SECRET,
              distDir: (await buildClient(mode.scratch)).distDir,
              store: { type: 'sqlite', file: path.join(dir, `${variant}-${round}.db`) },
            },
        variant === 'ws' ? 'bare ws' : 'Baton live socket',
      );
      try {
        const url = `ws://127.0.0.1:${child.port}/live`;
        const headers = { cookie: `baton.bind=${binding}`, origin: child.url };
        // Signed in before the first reading, so the sessions' cost is not counted as the sockets'.
        // The last WARM_UP browsers open the warm-up sockets: a signed-in socket's path (the
        // session read, its deadline) is warmed the same way as the one measured.
        const browsers =
          variant === 'signedIn' ? await signedInBrowsers(child, SECRET, n + WARM_UP) : null;
        // Warm the path once (lazy requires, JIT, the first upgrade) before the baseline.
        closeSockets(
          await openSockets(
            WARM_UP,
            { url, headers },
            64,
            browsers ? (i) => browsers[n + i] as Record<string, string> : undefined,
          ),
        );
        await waitFor(
          async () => (await child.stats()).sockets === 0,
          'the warm-up sockets to close',
        );
        const before = await child.memory();
        const sockets = await openSockets(
          n,
          { url, headers },
          64,
          browsers ? (i) => browsers[i] as Record<string, string> : undefined,
        );
        try {
          await waitFor(async () => (await child.stats()).sockets === n, `${n} sockets to be open`);
          const after = await child.memory();
          if (after.sockets !== n)
            throw new Error(`expected ${n} open sockets, the server has ${after.sockets}`);
          return {
            heapExternal: (total(after) - total(before)) / n,
            rss: (after.rss - before.rss) / n,
          };
        } finally {
          closeSockets(sockets);
        }
      } finally {
        await child.stop();
      }
    }

    const rounds = mode.quick ? 1 : 5;
    const deltas: Record<Variant, Delta[]> = { baton: [], signedIn: [], ws: [] };
    await interleave(rounds, ['ws', 'baton', 'signedIn'] as const, async (variant, round) => {
      deltas[variant].push(await measure(variant, round));
      return 0;
    });
    const heap = {
      baton: summarize(deltas.baton.map((d) => d.heapExternal)),
      signedIn: summarize(deltas.signedIn.map((d) => d.heapExternal)),
      ws: summarize(deltas.ws.map((d) => d.heapExternal)),
    };
    const rss = {
      baton: summarize(deltas.baton.map((d) => d.rss)),
      signedIn: summarize(deltas.signedIn.map((d) => d.rss)),
      ws: summarize(deltas.ws.map((d) => d.rss)),
    };
    const perConnection = (n: number) => bytes(n);
    return {
      id: 'memory',
      title: 'Live socket: server memory per idle connection',
      rows: [
        row({
          subject: `memory per idle socket (${n.toLocaleString('en')} open)`,
          baseline: 'bare `ws` server, same options',
          batonFigure: figure(heap.baton, perConnection),
          baselineFigure: figure(heap.ws, perConnection),
          ratio: pairedRatios(heap.baton, heap.ws),
          unit: 'x',
          target: { direction: 'at-most', value: 1.5 },
        }),
        row({
          subject: `memory per idle signed-in socket (${n.toLocaleString('en')} open, a session each)`,
          baseline: 'bare `ws` server, same options',
          batonFigure: figure(heap.signedIn, perConnection),
          baselineFigure: figure(heap.ws, perConnection),
          ratio: pairedRatios(heap.signedIn, heap.ws),
          unit: 'x',
          target: { direction: 'at-most', value: 1.5 },
        }),
      ],
      method: [
        `Each round starts the server in a fresh child process (\`--expose-gc\`), opens and closes ${WARM_UP} ` +
          `sockets of the kind measured to warm it, collects garbage and reads \`process.memoryUsage()\`, then opens ` +
          `${n.toLocaleString('en')} idle sockets from the benchmark process (64 at a time), waits until the ` +
          `server counts them all, collects garbage again and reads it again. The figure is the growth of ` +
          `V8 heap used + external memory per connection. Baton's sockets are what a login page opens: ` +
          `binding cookie and allowed Origin, no session. Signed-in sockets are what an account page ` +
          `opens: each of a browser of its own, signed in before the first reading through a real ` +
          `\`POST /handoff\` (a session each, so the sessions' own cost is not counted). The baseline is \`ws\`'s \`WebSocketServer\` with ` +
          `Baton's options (\`noServer\` with an upgrade handler, 8 KB \`maxPayload\`, permessage-deflate ` +
          `off) and an error listener on each socket.`,
        `${rounds} round${rounds === 1 ? '' : 's'} per server, alternating.${plan.note ? ` ${plan.note}` : ''}`,
      ].join('\n\n'),
      details: [
        [
          '| server | heap + external per socket | RSS per socket |',
          '|---|---|---|',
          `| Baton, signed out | ${figure(heap.baton, perConnection)} | ${figure(rss.baton, perConnection)} |`,
          `| Baton, signed in | ${figure(heap.signedIn, perConnection)} | ${figure(rss.signedIn, perConnection)} |`,
          `| bare ws | ${figure(heap.ws, perConnection)} | ${figure(rss.ws, perConnection)} |`,
        ].join('\n'),
        `RSS also counts memory the allocator keeps after garbage is collected, so it is given for ` +
          `reference only; kernel socket buffers are in neither figure.`,
      ],
      limits: [
        `What a Baton socket holds beyond a bare \`ws\` one: one record (\`server/live/live-socket.ts\`: ` +
          `the binding, its hash, the IP, a per-socket limiter key, the liveness and idle fields) and its ` +
          `entry in the door's map of open sockets, four listeners shared by every socket (which still ` +
          `make its event table larger than a bare socket's), its entry in the socket registry under the ` +
          `binding's hash (so a sign-in in another tab can reach it), the open-socket slot of its IP (a ` +
          `WeakMap entry and a shared close listener), and the strings themselves: about ` +
          `${bytes(heap.baton.median - heap.ws.median)} here. The door keeps its own map instead of ` +
          `\`ws\`'s client tracking, so \`ws\`'s per-socket close listener and set entry are not there.`,
        `A signed-in socket holds more: its session's ref and account id (strings), its entry in the ` +
          `registry under that ref, and its place in the door's one queue of session deadlines (no timer ` +
          `of its own): about ${bytes(heap.signedIn.median - heap.baton.median)} more than a signed-out one here.`,
        `**Fixed while measuring, second round** (heap snapshots of 1,000 idle sockets diffed by ` +
          `constructor and retainer): the guards added since (the open-socket cap, the signed-in idle limit ` +
          `and session deadline, the upgrade's drain tracking) had taken a quick run to 1.74x (signed out) ` +
          `and 2.21x (signed in). Per socket there were: the cap's give-back closure (under tsx a ` +
          `dictionary-mode function, about 250 bytes) behind a \`once\` wrapper; the HTTP drain's \`once\` ` +
          `close listener and closure, left on the socket after the upgrade; a \`setTimeout\` for the ` +
          `session deadline (a Timeout, a closure, a \`once\` close listener and, since every deadline is a ` +
          `different number of milliseconds, often a timer list of its own); a closure and a state object for ` +
          `the conversation; three WeakMap entries (liveness, last frame, registry owner); a Set per ` +
          `registry key though most keys have one socket; the binding cut out of the Cookie header, a slice ` +
          `that kept the whole header alive; and the session ref, a concatenation kept as a rope. Now a ` +
          `socket is one record in one map with shared listeners, deadlines sit in one heap on one timer, a ` +
          `registry key holds its socket itself until a second one comes, and the kept strings are flat copies.`,
        `**Fixed while measuring, first round** (heap snapshots of 1,000 idle sockets, diffed by constructor): a socket ` +
          `cost 1.9x a bare one. Three things were per-socket waste: (1) under tsx, which \`npm start\` used then, ` +
          `esbuild wraps every named inner function in a keep-names helper that redefines its \`name\`, turning ` +
          `each instance into a dictionary-mode object of about 250 bytes; \`serveConnection\` made two per ` +
          `socket (\`send\`, \`handleFrame\`), now module-level functions taking a state object. (2) ` +
          `\`randomUUID()\` builds its string by concatenation, and the unflattened rope kept as the socket's ` +
          `limiter key cost about 450 bytes; it is now 16 random bytes in base64url. (3) Every signed-out socket ` +
          `had its own idle timer, re-armed on every frame, plus three closures; the heartbeat that already ` +
          `visits every socket now closes the silent ones (within idleMs + heartbeatMs), with shared listeners.`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(
  test: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
