/**
 * The page's one live socket: request and reply with refs and a timeout, replies parsed
 * against the shared protocol, reconnects with jittered exponential backoff, and the
 * connection state as a Solid signal.
 */
import { type Accessor, createSignal } from 'solid-js';
import { type ClientMessage, CloseCode, type ServerMessage } from '../../shared/protocol.ts';
import { isPageMessage } from '../../shared/protocol-guard.ts';

/**
 * - `connecting`: not open yet since the page loaded (first attempt, or retries of it)
 * - `open`: requests can be sent
 * - `reconnecting`: was open, is down, and retries
 * - `closed`: for good (closed by the page, or the session ended); no more retries
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A client message without its `ref`: the socket numbers every request itself. */
export type LiveRequest = ClientMessage extends infer M
  ? M extends ClientMessage
    ? Omit<M, 'ref'>
    : never
  : never;

/** The server messages that answer a request (`error` becomes `{ ok: false }`). */
export type ReplyMessage = Exclude<
  ServerMessage,
  { type: 'error' | 'session-ended' | 'signed-in' }
> & { ref: number };

/** What `request()` resolves to; it never rejects. */
export type LiveReply =
  | { ok: true; message: ReplyMessage }
  | { ok: false; code: string; message: string };

export interface LiveSocket {
  /** The connection state, reactive. */
  readonly state: Accessor<ConnectionState>;
  /**
   * Sends a request with a fresh ref and resolves with its reply. Resolves with
   * `{ ok: false, code: 'socket.closed' }` when the socket is not open or closes first, and
   * `{ ok: false, code: 'socket.timeout' }` when no reply comes in time.
   */
  request(message: LiveRequest): Promise<LiveReply>;
  /**
   * Registers a callback for the end of this browser's session (a `session-ended` frame or
   * a close with `CloseCode.sessionEnded`); the socket stops reconnecting. Returns an unsubscribe.
   */
  onSessionEnded(listener: () => void): () => void;
  /**
   * Registers a callback for a sign-in of this browser in another tab (a `signed-in`
   * frame). Returns an unsubscribe.
   */
  onSignedIn(listener: () => void): () => void;
  /** Closes the socket for good. */
  close(): void;
}

/** The parts of the browser's WebSocket the live socket uses (so tests can pass a fake). */
export interface WebSocketLike {
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveSocketOptions {
  /** Defaults to `ws(s)://<this host>/live`. */
  url?: string;
  /** Defaults to the browser's `WebSocket`. */
  WebSocket?: new (
    url: string,
  ) => WebSocketLike;
  /** How long a request waits for its reply. */
  timeoutMs?: number;
  /** First reconnect delay; it doubles on each failed attempt up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Source of jitter, `Math.random` by default. */
  random?: () => number;
  /**
   * The server frames this page takes; any other frame is dropped. `isPageMessage` by
   * default: every message but `sessions`, which only the sessions page asks for (see
   * sessions-socket.ts), so other pages' scripts carry no check for it.
   */
  accepts?: (frame: unknown) => frame is ServerMessage;
  /** Called with every frame taken, before the socket acts on it. */
  onMessage?: (message: ServerMessage) => void;
}

/** What `createLiveSocket` uses for the options it is not given. */
export const LIVE_SOCKET_DEFAULTS = Object.freeze({
  timeoutMs: 10_000,
  minDelayMs: 250,
  maxDelayMs: 10_000,
});

/** The live socket's address on the page's own origin. */
export function liveUrl(where: Pick<Location, 'protocol' | 'host'>): string {
  return `${where.protocol === 'https:' ? 'wss:' : 'ws:'}//${where.host}/live`;
}

const failure = (code: string, message: string): LiveReply => ({ ok: false, code, message });
const closed = () =>
  failure('socket.closed', 'Lost the connection to the server. Please try again.');

/**
 * Opens the live socket and keeps it open until `close()` or the session ends.
 *
 * @example
 * const socket = createLiveSocket();
 * const reply = await socket.request({ type: 'validate', form: 'login', fields });
 * if (reply.ok && reply.message.type === 'validated') show(reply.message.errors);
 */
export function createLiveSocket(options: LiveSocketOptions = {}): LiveSocket {
  const url = options.url ?? liveUrl(location);
  const Socket = options.WebSocket ?? WebSocket;
  const timeoutMs = options.timeoutMs ?? LIVE_SOCKET_DEFAULTS.timeoutMs;
  const minDelayMs = options.minDelayMs ?? LIVE_SOCKET_DEFAULTS.minDelayMs;
  const maxDelayMs = options.maxDelayMs ?? LIVE_SOCKET_DEFAULTS.maxDelayMs;
  const random = options.random ?? Math.random;
  const accepts = options.accepts ?? isPageMessage;

  const [state, setState] = createSignal<ConnectionState>('connecting');
  const pending = new Map<number, (reply: LiveReply) => void>();
  const endListeners = new Set<() => void>();
  const signInListeners = new Set<() => void>();
  let current: WebSocketLike | undefined;
  let lastRef = 0;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  function connect(): void {
    let ws: WebSocketLike;
    try {
      ws = new Socket(url);
    } catch {
      // A blocked or malformed URL throws at once (a CSP's connect-src, say): retry like a
      // failed connection, never break the page.
      retryLater();
      return;
    }
    current = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('open');
    };
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') receive(event.data);
    };
    ws.onclose = (event) => {
      if (current !== ws) return;
      current = undefined;
      settleAll();
      if (event.code === CloseCode.sessionEnded) end();
      retryLater();
    };
  }

  function retryLater(): void {
    if (state() === 'closed') return;
    if (state() === 'open') setState('reconnecting');
    // Jitter in [ceiling/2, ceiling] so a restarted server is not hit by every page at once.
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt++, 16));
    retry = setTimeout(connect, ceiling / 2 + (random() * ceiling) / 2);
  }

  function receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      // Not JSON: `message` stays undefined, which the guard refuses.
    }
    // A frame that does not parse is dropped; a request waiting for it times out. Its text
    // is not logged: a frame can carry a handoff.
    if (!accepts(message)) {
      if (import.meta.env.DEV) console.warn('Dropped a live frame this page does not take');
      return;
    }
    options.onMessage?.(message);
    if (message.type === 'session-ended') end();
    else if (message.type === 'signed-in') for (const listener of [...signInListeners]) listener();
    else if (message.ref !== null) {
      pending.get(message.ref)?.(
        message.type === 'error'
          ? failure(message.code, message.message)
          : { ok: true, message: message as ReplyMessage },
      );
    }
  }

  function settleAll(): void {
    for (const settle of [...pending.values()]) settle(closed());
  }

  function stop(): void {
    setState('closed');
    clearTimeout(retry);
    const ws = current;
    current = undefined;
    ws?.close(1000);
    settleAll();
  }

  function end(): void {
    if (state() === 'closed') return;
    stop();
    for (const listener of [...endListeners]) listener();
  }

  connect();

  return {
    state,
    request(message) {
      const ws = current;
      if (!ws || state() !== 'open') {
        return Promise.resolve(closed());
      }
      const ref = ++lastRef;
      return new Promise((resolve) => {
        const timer = setTimeout(
          () =>
            settle(
              failure('socket.timeout', 'The server took too long to answer. Please try again.'),
            ),
          timeoutMs,
        );
        const settle = (reply: LiveReply) => {
          clearTimeout(timer);
          pending.delete(ref);
          resolve(reply);
        };
        pending.set(ref, settle);
        ws.send(JSON.stringify({ ...message, ref }));
      });
    },
    onSessionEnded(listener) {
      endListeners.add(listener);
      return () => endListeners.delete(listener);
    },
    onSignedIn(listener) {
      signInListeners.add(listener);
      return () => signInListeners.delete(listener);
    },
    close: stop,
  };
}
