/**
 * Opening many live-socket clients from this process: bounded concurrency (so the server's
 * listen backlog never overflows), a timeout on each, and Baton's headers (the binding
 * cookie and an allowed Origin) so that its door lets them in.
 */
import WebSocket from 'ws';

export interface OpenOptions {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Opens one client; rejects if the upgrade is refused or takes longer than the timeout. */
export function openSocket(options: OpenOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, {
      headers: options.headers,
      perMessageDeflate: false,
      handshakeTimeout: options.timeoutMs ?? 10_000,
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      // An idle client must not crash the benchmark if the server drops it.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('unexpected-response', (_req, res) => {
      socket.terminate();
      reject(new Error(`the upgrade to ${options.url} was refused with ${res.statusCode}`));
    });
    socket.once('error', reject);
  });
}

/**
 * Opens `n` clients, `concurrency` at a time. `headersFor(i)`, when given, supplies the
 * i-th client's headers (a browser of its own each) in place of `options.headers`.
 */
export async function openSockets(
  n: number,
  options: OpenOptions,
  concurrency = 64,
  headersFor?: (i: number) => Record<string, string>,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < n) {
      const i = next++;
      const headers = headersFor ? headersFor(i) : options.headers;
      sockets.push(await openSocket({ ...options, headers }));
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  } catch (error) {
    closeSockets(sockets);
    throw error;
  }
  return sockets;
}

export function closeSockets(sockets: readonly WebSocket[]): void {
  for (const socket of sockets) socket.terminate();
}
