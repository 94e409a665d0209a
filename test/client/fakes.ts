/**
 * Test doubles passed into the client's components and primitives (no module mocking).
 */
import { createSignal } from 'solid-js';
import type { SessionsSocket } from '../../client/live/sessions-socket.ts';
import type {
  ConnectionState,
  LiveReply,
  ReplyMessage,
  WebSocketLike,
} from '../../client/live/socket.ts';
import type { ClientMessage, SessionView } from '../../shared/protocol.ts';

/** Serves every page's tests, the sessions page's too (a SessionsSocket: it has `onSessions`). */
export interface FakeSocket extends SessionsSocket {
  /** Every request sent, with the ref the socket gave it. */
  readonly sent: ClientMessage[];
  setState(state: ConnectionState): void;
  /** Answers the request with `message.ref`. */
  reply(message: ReplyMessage): Promise<void>;
  /** Answers the request `ref` with a failure. */
  fail(ref: number, code: string, message: string): Promise<void>;
  endSession(): void;
  /** Plays a `signed-in` frame: this browser signed in in another tab. */
  signIn(): void;
  /** Plays a `sessions` push: the account's sessions as the server lists them now. */
  pushSessions(sessions: SessionView[]): void;
  readonly closed: boolean;
}

/** A live socket under the test's control; replies resolve after a microtask flush. */
export function createFakeSocket(initial: ConnectionState = 'open'): FakeSocket {
  const [state, setState] = createSignal<ConnectionState>(initial);
  const sent: ClientMessage[] = [];
  const waiting = new Map<number, (reply: LiveReply) => void>();
  const endListeners = new Set<() => void>();
  const signInListeners = new Set<() => void>();
  const sessionsListeners = new Set<(sessions: SessionView[]) => void>();
  let lastRef = 0;
  let closed = false;
  const settle = async (ref: number, reply: LiveReply) => {
    const resolve = waiting.get(ref);
    if (!resolve) throw new Error(`No request is waiting for ref ${ref}`);
    waiting.delete(ref);
    resolve(reply);
    await flush();
  };
  return {
    sent,
    state,
    setState,
    get closed() {
      return closed;
    },
    request(message) {
      if (state() !== 'open') {
        return Promise.resolve({ ok: false, code: 'socket.closed', message: 'Not connected.' });
      }
      const ref = ++lastRef;
      sent.push({ ...message, ref } as ClientMessage);
      return new Promise((resolve) => waiting.set(ref, resolve));
    },
    reply: (message) => settle(message.ref, { ok: true, message }),
    fail: (ref, code, message) => settle(ref, { ok: false, code, message }),
    onSessionEnded(listener) {
      endListeners.add(listener);
      return () => endListeners.delete(listener);
    },
    endSession() {
      for (const listener of endListeners) listener();
    },
    onSignedIn(listener) {
      signInListeners.add(listener);
      return () => signInListeners.delete(listener);
    },
    signIn() {
      for (const listener of signInListeners) listener();
    },
    onSessions(listener) {
      sessionsListeners.add(listener);
      return () => sessionsListeners.delete(listener);
    },
    pushSessions(sessions) {
      for (const listener of sessionsListeners) listener(sessions);
    },
    close() {
      closed = true;
      setState('closed');
    },
  };
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A browser WebSocket stand-in that records what is sent and lets the test drive events. */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error('No socket was opened');
    return socket;
  }

  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  readonly sent: unknown[] = [];
  closedWith: number | undefined;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number): void {
    this.closedWith = code;
  }

  open(): void {
    this.onopen?.(new Event('open'));
  }
  receive(frame: unknown): void {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.onmessage?.(new MessageEvent('message', { data }));
  }
  drop(code = 1006): void {
    this.onclose?.(new CloseEvent('close', { code }));
  }
}
