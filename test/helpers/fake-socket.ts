/**
 * The least of a `ws` WebSocket that the live connection handler uses: message events in,
 * `send` and `close` out. It lets property tests push a hundred thousand frames through
 * `serveConnection` without a network in between.
 */
import { EventEmitter } from 'node:events';

export type FakeSocketEvent =
  | { kind: 'send'; data: string }
  | { kind: 'close'; code?: number; reason?: string };

export class FakeSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 1;
  /** Everything the handler did to the socket, in order. */
  readonly events: FakeSocketEvent[] = [];
  #waiters: Array<() => boolean> = [];

  send(data: string | Buffer): void {
    this.#record({ kind: 'send', data: data.toString() });
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSED;
    this.#record({ kind: 'close', code, reason });
  }

  /** Delivers one frame the way `ws` does: a Buffer and whether it was binary. */
  receive(data: Buffer, isBinary: boolean): void {
    this.emit('message', data, isBinary);
  }

  /** Resolves once more than `count` events have been recorded, or rejects after `timeoutMs`. */
  eventsAfter(count: number, timeoutMs = 2000): Promise<void> {
    if (this.events.length > count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const check = () => {
        if (this.events.length <= count) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      this.#waiters.push(check);
    });
  }

  #record(event: FakeSocketEvent): void {
    this.events.push(event);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (!waiter()) this.#waiters.push(waiter);
    }
  }
}
