/**
 * How many live sockets each client IP holds open on this instance, so one client cannot
 * pin thousands of idle connections (the per-minute rate limit caps how fast they come,
 * not how many stay). A slot is taken at the door, before any await, so upgrades racing
 * each other cannot overshoot the cap, and it is given back exactly once: when the door
 * refuses the upgrade or when the connection closes, whichever comes first.
 */
import type { Duplex } from 'node:stream';

export class OpenSocketsPerIp {
  readonly #open = new Map<string, number>();

  constructor(readonly cap: number) {
    if (!Number.isSafeInteger(cap) || cap < 1) {
      throw new RangeError(
        `openSocketsPerIp must be a whole number of at least 1 (received ${cap})`,
      );
    }
  }

  /**
   * Takes a slot for `ip` tied to `socket` (the upgrade's connection): returns a function
   * that gives it back (safe to call twice, also called when the connection closes), or
   * null when `ip` already holds `cap` sockets.
   */
  take(ip: string, socket: Duplex): (() => void) | null {
    const held = this.#open.get(ip) ?? 0;
    if (held >= this.cap) return null;
    this.#open.set(ip, held + 1);
    let given = false;
    const giveBack = () => {
      if (given) return;
      given = true;
      const now = (this.#open.get(ip) ?? 1) - 1;
      if (now > 0) this.#open.set(ip, now);
      else this.#open.delete(ip);
    };
    socket.once('close', giveBack);
    return giveBack;
  }

  /** How many sockets `ip` holds open here. */
  count(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }
}
