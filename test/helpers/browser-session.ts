/**
 * A stand-in for one browser over HTTP: a cookie jar, fetch with redirects left visible,
 * and live sockets that carry the jar's cookies and an Origin, as a browser's would.
 */
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/protocol.ts';

export class BrowserSession {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly origin: string = base,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** fetch with this browser's cookies; stores Set-Cookie; never follows redirects. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.cookieHeader());
    const response = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Posts a urlencoded form, as a browser submitting `<form method="post">`. */
  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Opens the live socket the way this browser's page would. */
  async openSocket(origin: string = this.origin): Promise<LiveClient> {
    const url = `${this.base.replace(/^http/, 'ws')}/live`;
    const socket = new WebSocket(url, { headers: { cookie: this.cookieHeader(), origin } });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      socket.once('error', reject);
    });
    return client;
  }
}

/** A live socket client that collects server messages and answers requests by ref. */
export class LiveClient {
  readonly messages: ServerMessage[] = [];
  #ref = 0;
  #waiters: Array<{ test: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> =
    [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      this.messages.push(message);
      const waiting = this.#waiters;
      this.#waiters = [];
      for (const waiter of waiting) {
        if (waiter.test(message)) waiter.resolve(message);
        else this.#waiters.push(waiter);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  nextRef(): number {
    this.#ref += 1;
    return this.#ref;
  }

  /** Resolves with the first message (already received or future) that passes `test`. */
  waitFor(test: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message in time')), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends a frame with a fresh ref and waits for the reply carrying it. */
  async request(message: Record<string, unknown>): Promise<ServerMessage> {
    const ref = this.nextRef();
    this.socket.send(JSON.stringify({ ...message, ref }));
    return this.waitFor((m) => 'ref' in m && m.ref === ref);
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  close(): void {
    this.socket.close();
  }
}
