/**
 * How many live sockets each client IP holds open on this instance, so one client cannot
 * pin thousands of idle connections (the per-minute rate limit caps how fast they come,
 * not how many stay). A slot is taken at the door, before any await, so upgrades racing
 * each other cannot overshoot the cap, and it is given back exactly once: when the door
 * refuses the upgrade or when the connection closes, whichever comes first.
 *
 * Each held slot is one WeakMap entry (connection to IP) and one close listener shared by
 * every connection, so an idle socket costs no closure of its own here.
 */
import type { Duplex } from 'node:stream';

export class OpenSocketsPerIp {
  readonly #open = new Map<string, number>();
  /** The IP each connection holding a slot took it for; gone once it is given back. */
  readonly #holders = new WeakMap<Duplex, string>();
  /** The one close listener of every holder (`this` is the connection). */
  readonly #onClose: (this: Duplex) => void;

  constructor(readonly cap: number) {
    if (!Number.isSafeInteger(cap) || cap < 1) {
      throw new RangeError(
        `openSocketsPerIp must be a whole number of at least 1 (received ${cap})`,
      );
    }
    const slots = this;
    this.#onClose = function (this: Duplex) {
      slots.giveBack(this);
    };
  }

  /**
   * Takes a slot for `ip` tied to `socket` (the upgrade's connection), given back when the
   * connection closes or by `giveBack`. False when `ip` already holds `cap` sockets.
   */
  take(ip: string, socket: Duplex): boolean {
    const held = this.#open.get(ip) ?? 0;
    if (held >= this.cap) return false;
    this.#open.set(ip, held + 1);
    this.#holders.set(socket, ip);
    socket.on('close', this.#onClose);
    return true;
  }

  /** Gives back the slot `socket` holds, if it still holds one (safe to call twice). */
  giveBack(socket: Duplex): void {
    const ip = this.#holders.get(socket);
    if (ip === undefined) return;
    this.#holders.delete(socket);
    socket.removeListener('close', this.#onClose);
    const now = (this.#open.get(ip) ?? 1) - 1;
    if (now > 0) this.#open.set(ip, now);
    else this.#open.delete(ip);
  }

  /** How many sockets `ip` holds open here. */
  count(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }
}
