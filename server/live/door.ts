/**
 * The live socket's door: the HTTP `upgrade` handler for `/live`. Before the WebSocket
 * handshake it refuses a foreign Origin (403), a browser without a binding cookie (401)
 * and a client over its connection rate or open-socket cap or a session over its socket
 * limit (429); it
 * reads the session with the same cookie checks as every page, and hands the socket on.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { CloseCode, MAX_FRAME_BYTES } from '../../shared/protocol.ts';
import { DEFAULT_LIMITS } from '../config.ts';
import { hashBinding } from '../handoff/seal.ts';
import { clientIp } from '../http/client-ip.ts';
import { take } from '../limits/limits.ts';
import type { BindingCookie } from '../session/binding.ts';
import type { CookieNames } from '../session/cookies.ts';
import type { PendingSignIns } from '../session/pending-sign-in.ts';
import { readSession, type SessionTimeouts, sessionDeadline } from '../session/session.ts';
import type { SessionStore } from '../store/store.ts';
import { isStoreUnavailable, RETRY_AFTER_SECONDS } from '../store/unavailable.ts';
import { answerFrame, type LiveDeps } from './connection.ts';
import { DeadlineQueue } from './deadlines.ts';
import { LiveSocket } from './live-socket.ts';
import { OpenSocketsPerIp } from './open-sockets.ts';
import type { EndWatch, SocketRegistry } from './registry.ts';

export const LIVE_PATH = '/live';

export const DOOR_DEFAULTS = Object.freeze({
  heartbeatMs: 30_000,
  /**
   * A signed-out socket silent this long is closed (CloseCode.idle), at the next heartbeat
   * after it (so within idleMs + heartbeatMs).
   */
  idleMs: 10 * 60 * 1000,
  /** Open sockets one session may hold on one instance (tabs, reconnects). */
  socketsPerSession: 20,
});

/**
 * A signed-in socket silent this long is closed the same way (CloseCode.idle), unless
 * `signedInIdleMs` says otherwise: the session's own idle timeout, since a session idle that
 * long on this socket has nothing more to hear on it (the page reconnects if it is still open).
 */
export const signedInIdleDefault = (timeouts: SessionTimeouts): number => timeouts.idleMs;

export interface DoorOptions extends LiveDeps {
  app: Koa;
  loadSession: Koa.Middleware;
  names: CookieNames;
  binding: BindingCookie;
  /** Read at the upgrade: the sign-in this browser has waiting for its code, if any. */
  pendingSignIns: PendingSignIns;
  timeouts: SessionTimeouts;
  sessions: SessionStore;
  origins: readonly string[];
  registry: SocketRegistry;
  /** Proxy hops trusted in X-Forwarded-For (http/client-ip.ts); 0 reads the peer address. */
  trustProxy: number;
  heartbeatMs?: number;
  idleMs?: number;
  /** See signedInIdleDefault. */
  signedInIdleMs?: number;
  socketsPerSession?: number;
  /** Sockets one client IP may hold open at once on this instance (DEFAULT_LIMITS). */
  openSocketsPerIp?: number;
  /** The clock for the idle limits (tests pass a fake one). */
  now?: () => number;
}

export interface LiveSocketServer {
  /** Closes every live socket with `code` and stops the heartbeat. */
  close(code?: number, reason?: string): void;
  /** The live sockets open on this instance. */
  readonly clients: OpenLiveSockets;
}

/** A read-only view of the open sockets: how many, and each of them. */
export interface OpenLiveSockets extends Iterable<WebSocket> {
  readonly size: number;
}

type RefusedStatus = 401 | 403 | 404 | 429 | 500 | 503;
const REASONS: Record<RefusedStatus, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function refuse(socket: Duplex, status: RefusedStatus, extraHeaders = ''): void {
  const text = REASONS[status];
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extraHeaders}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/** Attaches the live socket to `server` and returns a handle to close it. */
export function attachLiveSocket(server: Server, options: DoorOptions): LiveSocketServer {
  const heartbeatMs = options.heartbeatMs ?? DOOR_DEFAULTS.heartbeatMs;
  const idleMs = options.idleMs ?? DOOR_DEFAULTS.idleMs;
  const socketsPerSession = options.socketsPerSession ?? DOOR_DEFAULTS.socketsPerSession;
  const signedInIdleMs = options.signedInIdleMs ?? signedInIdleDefault(options.timeouts);
  const now = options.now ?? Date.now;
  const openSockets = new OpenSocketsPerIp(
    options.openSocketsPerIp ?? DEFAULT_LIMITS.openSocketsPerIp,
  );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Off: each active connection would keep its own zlib contexts, for frames of a few
    // hundred bytes.
    perMessageDeflate: false,
    // The door keeps its own map of open sockets (below); ws's would add a set entry and a
    // close listener of its own per socket.
    clientTracking: false,
  });
  // Each open socket is one LiveSocket record in this map, and the listeners below are
  // shared by every socket (`this` is the socket), so an idle socket costs no timer and no
  // closures of its own (memory per idle socket is what bench/cases/memory.ts measures).
  const sockets = new Map<WebSocket, LiveSocket>();
  // Signed-in sockets' session deadlines, all on one timer.
  const deadlines = new DeadlineQueue<LiveSocket>(onDeadline, now);
  function onPong(this: WebSocket): void {
    const live = sockets.get(this);
    if (live) live.alive = true;
  }
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const live = sockets.get(this);
    if (!live) return;
    live.lastFrameAt = now();
    answerFrame(this, live, options, data, isBinary);
  }
  function onClose(this: WebSocket): void {
    const live = sockets.get(this);
    if (!live) return;
    sockets.delete(this);
    deadlines.remove(live);
    options.registry.remove(this, { sessionRef: live.sessionRef, binding: live.bindingHash });
  }
  function onSocketError(this: WebSocket, error: Error): void {
    options.logger.warn({ err: error }, 'live socket error');
  }

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== LIVE_PATH) return refuse(socket, 404);
    const origin = req.headers.origin;
    if (!origin || !options.origins.includes(origin)) {
      options.logger.info(
        { code: 'socket.origin-refused', origin: origin ?? null },
        'live socket refused',
      );
      return refuse(socket, 403);
    }
    const binding = options.binding.fromHeader(req.headers.cookie);
    if (!binding) return refuse(socket, 401);
    const ip = clientIp(req, options.trustProxy);
    // Taken before any await, so concurrent upgrades cannot overshoot the cap.
    if (!openSockets.take(ip, socket)) {
      options.logger.info({ code: 'socket.too-many-open' }, 'live socket refused');
      return refuse(socket, 429, 'Retry-After: 60\r\n');
    }
    let upgraded = false;
    try {
      upgraded = await admitWithSlot(req, socket, head, binding, ip);
    } finally {
      // Refused or failed: the slot is free at once. Upgraded: it is freed when the
      // connection closes (OpenSocketsPerIp.take).
      if (!upgraded) openSockets.giveBack(socket);
    }
  }

  /** The rest of the door, once the client holds an open-socket slot. True when upgraded. */
  async function admitWithSlot(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    binding: string,
    ip: string,
  ): Promise<boolean> {
    const limited = await take(options.limiters.socketsPerIp, ip);
    if (limited) {
      refuse(socket, 429, `Retry-After: ${limited.retryAfterSeconds}\r\n`);
      return false;
    }
    // On before the session read: a sign-out published while the read is in flight closes
    // no socket (this one is not filed yet), so it is looked up once the socket is filed.
    const ends = options.registry.watchEnds();
    try {
      const session = await readSession(
        options.app,
        options.loadSession,
        req,
        options.names,
        options.timeouts,
        now,
      );
      if (session && options.registry.count(session.ref) >= socketsPerSession) {
        refuse(socket, 429, 'Retry-After: 60\r\n');
        return false;
      }
      if (socket.destroyed) return false;
      // Without verifyClient, ws calls back synchronously, so the watch is still on.
      upgrade(req, socket, head, binding, ip, session, ends);
      return true;
    } finally {
      ends.stop();
    }
  }

  function upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    binding: string,
    ip: string,
    session: Awaited<ReturnType<typeof readSession>>,
    ends: EndWatch,
  ): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const live = new LiveSocket(
        ws,
        {
          binding,
          // Filed by the binding's hash, as handoffs are bound: a raw binding never leaves here.
          bindingHash: hashBinding(binding),
          sessionRef: session?.ref ?? null,
          accountId: session?.accountId ?? null,
          ip,
          // Not randomUUID(): it builds its string by concatenation, and an idle socket would
          // keep the unflattened rope instead of a flat string.
          id: randomBytes(16).toString('base64url'),
          pendingSignIn: options.pendingSignIns.fromHeader(req.headers.cookie, binding, now()),
        },
        now(),
      );
      sockets.set(ws, live);
      ws.on('error', onSocketError);
      ws.on('pong', onPong);
      ws.on('close', onClose);
      options.registry.add(ws, { sessionRef: live.sessionRef, binding: live.bindingHash });
      const missed = session ? ends.endedReason(session.ref) : null;
      if (session && missed) {
        options.registry.endSession(session.ref, missed);
        return;
      }
      if (session) deadlines.add(live, session.deadline);
      ws.on('message', onMessage);
    });
  }

  /**
   * The session's own deadline (absolute or idle timeout) ends it on this socket too. The
   * person may have been active in another tab since, so the deadline is read again from
   * the store when it comes.
   */
  function onDeadline(live: LiveSocket): void {
    const ref = live.sessionRef;
    if (ref === null) return;
    options.sessions
      .get(ref)
      .catch(() => null)
      .then((data) => {
        if (sockets.get(live.socket) !== live) return;
        const next = data ? sessionDeadline(data, options.timeouts) : 0;
        if (next > now()) deadlines.add(live, next);
        else options.registry.endSession(ref, 'expired');
      });
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    admit(req, socket, head).catch((error: unknown) => {
      const unavailable = isStoreUnavailable(error);
      if (unavailable)
        options.logger.warn({ code: error.code, err: error }, 'live socket: store unavailable');
      else options.logger.error({ err: error }, 'live socket upgrade failed');
      if (!socket.destroyed) {
        refuse(
          socket,
          unavailable ? 503 : 500,
          unavailable ? `Retry-After: ${RETRY_AFTER_SECONDS}\r\n` : '',
        );
      }
    });
  });

  // Drops peers that stopped answering pings (a closed laptop, a dead NAT mapping), closes
  // sockets that have been silent for their idle limit, and ends sessions whose deadline the
  // clock passed without the deadline timer noticing (a clock set forward).
  const heartbeat = setInterval(() => {
    deadlines.runDue();
    const at = now();
    for (const [ws, live] of sockets) {
      if (!live.alive) {
        ws.terminate();
        continue;
      }
      const limit = live.sessionRef !== null ? signedInIdleMs : idleMs;
      if (at - live.lastFrameAt >= limit) {
        ws.close(CloseCode.idle, 'idle');
        continue;
      }
      live.alive = false;
      ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    clients: {
      get size() {
        return sockets.size;
      },
      [Symbol.iterator]: () => sockets.keys(),
    },
    close(code = 1001, reason = 'server closing') {
      clearInterval(heartbeat);
      deadlines.clear();
      for (const ws of sockets.keys()) ws.close(code, reason);
      wss.close();
    },
  };
}
