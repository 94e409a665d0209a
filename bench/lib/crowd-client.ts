/**
 * A child process that holds many idle live-socket clients for the crowd benchmark, so that
 * their file descriptors and event loop are neither the server's nor the benchmark's. It
 * takes commands over IPC (`open`, `close`, `exit`) and answers each with `{ id, ok, ... }`.
 * Each client is a browser of its own: a fresh binding cookie and the server's Origin.
 */
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import { closeSockets, openSockets } from './sockets.ts';

export type CrowdRequest =
  | { id: number; cmd: 'open'; url: string; origin: string; n: number }
  | { id: number; cmd: 'close' }
  | { id: number; cmd: 'exit' };

export type CrowdReply =
  | { id: number; ok: true; open: number }
  | { id: number; ok: false; error: string };

let sockets: WebSocket[] = [];

async function handle(request: CrowdRequest): Promise<number> {
  switch (request.cmd) {
    case 'open': {
      const opened = await openSockets(request.n, { url: request.url }, 64, () => ({
        cookie: `baton.bind=${randomBytes(32).toString('base64url')}`,
        origin: request.origin,
      }));
      sockets.push(...opened);
      return sockets.length;
    }
    case 'close': {
      closeSockets(sockets);
      sockets = [];
      return 0;
    }
    case 'exit': {
      closeSockets(sockets);
      setImmediate(() => process.exit(0));
      return 0;
    }
  }
}

process.on('message', (request: CrowdRequest) => {
  handle(request).then(
    (open) => process.send?.({ id: request.id, ok: true, open } satisfies CrowdReply),
    (error: unknown) =>
      process.send?.({ id: request.id, ok: false, error: String(error) } satisfies CrowdReply),
  );
});
// The parent gone, nothing is left to hold the sockets for.
process.on('disconnect', () => process.exit(0));
