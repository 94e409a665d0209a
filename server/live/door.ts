/**
 * The live socket's door: the HTTP `upgrade` handler for `/live`. It refuses a foreign
 * Origin (403) or a browser without a binding cookie (401) before the WebSocket handshake,
 * reads the session with the same cookie checks as every page, and hands the socket on.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../shared/protocol.ts';
import type { Logger } from '../logger.ts';
import { bindingFromCookieHeader } from '../session/binding.ts';
import { readSession } from '../session/session.ts';
import { type LiveDeps, type LivePeer, serveConnection } from './connection.ts';
import type { SocketRegistry } from './registry.ts';

export const LIVE_PATH = '/live';
const HEARTBEAT_MS = 30_000;

export interface DoorOptions extends LiveDeps {
  app: Koa;
  sessionMiddleware: Koa.Middleware;
  origins: readonly string[];
  registry: SocketRegistry;
  logger: Logger;
}

export interface LiveSocketServer {
  /** Closes every live socket with `code` and stops the heartbeat. */
  close(code?: number, reason?: string): void;
  readonly clients: Set<WebSocket>;
}

function refuse(socket: Duplex, status: 401 | 403 | 404 | 500, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/** Attaches the live socket to `server` and returns a handle to close it. */
export function attachLiveSocket(server: Server, options: DoorOptions): LiveSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Off: about 240 KB per active connection for frames of a few hundred bytes.
    perMessageDeflate: false,
  });
  const alive = new WeakMap<WebSocket, boolean>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== LIVE_PATH) return refuse(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (!origin || !options.origins.includes(origin)) {
      options.logger.info({ code: 'socket.origin-refused', origin: origin ?? null }, 'live socket refused');
      return refuse(socket, 403, 'Forbidden');
    }
    const binding = bindingFromCookieHeader(req.headers.cookie);
    if (!binding) return refuse(socket, 401, 'Unauthorized');
    readSession(options.app, options.sessionMiddleware, req).then(
      (session) => {
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          const peer: LivePeer = { binding, sessionRef: session.accountId ? session.ref : null };
          ws.on('error', (error) => options.logger.warn({ err: error }, 'live socket error'));
          alive.set(ws, true);
          ws.on('pong', () => alive.set(ws, true));
          if (peer.sessionRef) options.registry.add(peer.sessionRef, ws);
          serveConnection(ws, peer, options);
        });
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'live socket session lookup failed');
        refuse(socket, 500, 'Internal Server Error');
      },
    );
  });

  // Drops peers that stopped answering pings (a closed laptop, a dead NAT mapping).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    clients: wss.clients,
    close(code = 1001, reason = 'server closing') {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(code, reason);
      wss.close();
    },
  };
}
