/**
 * The door in front of password hashing. A hash takes tens of milliseconds of one core and
 * about 19 MiB; unbounded, one client's burst queues ahead of everyone else's sign-in and
 * memory grows with the burst. So every form that checks or hashes a password first asks
 * for a pass here:
 * - at most `perIp` passes at once per client IP and `perAccount` per account (email), so
 *   one client's flood holds only a few places in the queue and another person's check
 *   waits behind those few, not behind the flood;
 * - at most `queueLimit` passes at once in all, and none when the expected wait (passes
 *   ahead, times a running average of hash time, over the slots) passes `maxWaitMs`.
 * Refused, the caller answers "busy, try again in N seconds" at once, writing and counting
 * nothing. Hashes run `concurrency` at a time (one per core), in arrival order.
 */

export interface PasswordGateOptions {
  /** Hashes run at once. */
  concurrency: number;
  /** Passes held at once by one client IP. */
  perIp: number;
  /** Passes held at once for one account (by normalized email). */
  perAccount: number;
  /** Passes held at once in all: what bounds memory under any burst. */
  queueLimit: number;
  /** The longest expected wait for a hash slot before a newcomer is told to come back. */
  maxWaitMs: number;
  /** The guess at one hash's duration until hashes have been timed (e.g. the decoy's). */
  initialHashMs: number;
  /** Milliseconds on a monotonic clock (tests pass their own). */
  now: () => number;
}

export const PASSWORD_GATE_DEFAULTS: Readonly<Omit<PasswordGateOptions, 'concurrency'>> =
  Object.freeze({
    perIp: 4,
    perAccount: 2,
    queueLimit: 256,
    maxWaitMs: 2000,
    initialHashMs: 50,
    now: () => performance.now(),
  });

/** A place in the queue, held from admission until `leave`. */
export interface GatePass {
  /** Runs one hash when a slot is free (slots go in arrival order). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Gives the place back; safe to call twice. */
  leave(): void;
}

export type Admission = { ok: true; pass: GatePass } | { ok: false; retryAfterSeconds: number };

export interface PasswordGate {
  /** A pass for one form's password work, or how long to wait when too busy. Never waits. */
  admit(ip: string, account: string): Admission;
  /** Passes held, hashes running and hashes waiting for a slot, for tests and metrics. */
  readonly held: number;
  readonly running: number;
  readonly waiting: number;
}

// Weight of the newest hash in the running average: recent enough to follow a change of
// load, smooth enough that one slow hash does not refuse everyone.
const AVERAGE_WEIGHT = 0.2;

const WHOLE_LIMITS = ['concurrency', 'perIp', 'perAccount', 'queueLimit'] as const;

function validate(options: PasswordGateOptions): void {
  for (const name of WHOLE_LIMITS) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(
        `createPasswordGate option ${name} must be a whole number of at least 1 (received ${value})`,
      );
    }
  }
  for (const name of ['maxWaitMs', 'initialHashMs'] as const) {
    const value = options[name];
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(
        `createPasswordGate option ${name} must be a positive number (received ${value})`,
      );
    }
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

export function createPasswordGate(
  options: Partial<PasswordGateOptions> & Pick<PasswordGateOptions, 'concurrency'>,
): PasswordGate {
  // An option given as undefined keeps its default, as with `??`.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: PasswordGateOptions = { ...PASSWORD_GATE_DEFAULTS, ...given } as PasswordGateOptions;
  validate(o);
  const byIp = new Map<string, number>();
  const byAccount = new Map<string, number>();
  const slotQueue: Array<() => void> = [];
  let held = 0;
  let running = 0;
  let averageMs = o.initialHashMs;

  /** The wait a newcomer can expect: the passes that would be ahead of it, per slot. */
  const expectedWaitMs = () => Math.floor(held / o.concurrency) * averageMs;
  const busy = (waitMs: number): Admission => ({
    ok: false,
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });

  const acquire = async () => {
    if (running < o.concurrency) running += 1;
    else await new Promise<void>((resolve) => slotQueue.push(resolve));
  };
  const release = () => {
    const next = slotQueue.shift();
    if (next) next();
    else running -= 1;
  };

  return {
    admit(ip, account) {
      const wait = expectedWaitMs();
      if (held >= o.queueLimit || wait > o.maxWaitMs) return busy(wait);
      // The client's own checks ahead finish within the queue's wait and one hash more.
      if ((byIp.get(ip) ?? 0) >= o.perIp || (byAccount.get(account) ?? 0) >= o.perAccount) {
        return busy(wait + averageMs);
      }
      held += 1;
      bump(byIp, ip, 1);
      bump(byAccount, account, 1);
      let left = false;
      return {
        ok: true,
        pass: {
          async run(work) {
            await acquire();
            const started = o.now();
            try {
              return await work();
            } finally {
              const took = o.now() - started;
              averageMs += AVERAGE_WEIGHT * (took - averageMs);
              release();
            }
          },
          leave() {
            if (left) return;
            left = true;
            held -= 1;
            bump(byIp, ip, -1);
            bump(byAccount, account, -1);
          },
        },
      };
    },
    get held() {
      return held;
    },
    get running() {
      return running;
    },
    get waiting() {
      return slotQueue.length;
    },
  };
}
