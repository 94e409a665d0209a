/**
 * The child process every benchmark server runs in. Started by bench/lib/child.ts with the
 * HostConfig as its one argument; says `ready` with its port over IPC, then answers the
 * parent's requests (counters, memory after GC, a CPU profile) until told to exit.
 */
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import type { WebSocketServer } from 'ws';
import { startBaton } from './baton.ts';
import type { HostConfig, HostReady, HostReply, HostRequest, HostStats } from './config.ts';
import { startKoaSession } from './koa-session.ts';
import { startBareWs } from './ws-bare.ts';

/** What every server kind gives the host: a server already listening on 127.0.0.1. */
export interface Hosted {
  server: Server;
  counters: { accepted: number; refused: number; sessionsWritten?: number; unavailable?: number };
  /** The WebSocket server (or Baton's live socket), for counting connections. */
  wss?: { clients: { readonly size: number } } | WebSocketServer;
  createAccount?(email: string, password: string): Promise<string>;
  close(): Promise<void>;
}

const config = JSON.parse(process.argv[2] ?? 'null') as HostConfig;
const send = (message: HostReady | HostReply) => process.send?.(message);

async function start(): Promise<Hosted> {
  switch (config.kind) {
    case 'baton':
      return startBaton(config);
    case 'koa-session':
      return startKoaSession(config);
    case 'ws-bare':
      return startBareWs(false);
    case 'ws-echo':
      return startBareWs(true);
  }
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the host needs --expose-gc to measure memory');
  // Several passes with turns of the event loop between them, so weak callbacks and
  // finalizers run and the second-chance garbage goes too.
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const hosted = await start();
let profiler: Session | null = null;

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'account': {
      if (!hosted.createAccount) throw new Error(`${config.kind} has no accounts`);
      return hosted.createAccount(request.email, request.password);
    }
    case 'stats': {
      const cpu = process.cpuUsage();
      return {
        ...hosted.counters,
        sockets: hosted.wss?.clients.size ?? 0,
        cpuMicros: cpu.user + cpu.system,
        atMs: performance.now(),
      } satisfies HostStats;
    }
    case 'memory': {
      await settle();
      const usage = process.memoryUsage();
      return {
        heapUsed: usage.heapUsed,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        rss: usage.rss,
        sockets: hosted.wss?.clients.size ?? 0,
      };
    }
    case 'profile-start': {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.post('Profiler.start');
      return null;
    }
    case 'profile-stop': {
      if (!profiler) throw new Error('profile-stop before profile-start');
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(request.file, JSON.stringify(profile));
      profiler.disconnect();
      profiler = null;
      return request.file;
    }
    case 'snapshot': {
      await settle();
      return writeHeapSnapshot(request.file);
    }
    case 'exit': {
      await hosted.close();
      setImmediate(() => process.exit(0));
      return null;
    }
  }
}

process.on('message', (message: { id: number } & HostRequest) => {
  handle(message).then(
    (result) => send({ id: message.id, ok: true, result }),
    (error: unknown) =>
      send({ id: message.id, ok: false, error: String((error as Error)?.stack ?? error) }),
  );
});
// The parent went away (crashed, or was killed): never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', port: (hosted.server.address() as AddressInfo).port });
