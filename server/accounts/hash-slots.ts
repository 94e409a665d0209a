/**
 * At most one password hash per core at a time. scrypt at OWASP's cost takes 128 MiB and
 * a few hundred milliseconds of one core; run unbounded, a burst of sign-ins fills libuv's
 * four threads, stalls static files that share them, peaks at half a gigabyte, and makes a
 * shutdown wait for every hash already handed to a thread. Waiting here, in JavaScript,
 * costs nothing and is dropped at exit.
 */
import os from 'node:os';

/** Runs `work` when a slot is free; slots are taken in arrival order. */
export interface Slots {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Jobs running and waiting, for tests and metrics. */
  readonly busy: number;
  readonly waiting: number;
}

export function createSlots(size: number): Slots {
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`createSlots size must be a whole number of at least 1 (received ${size})`);
  }
  const queue: Array<() => void> = [];
  let busy = 0;
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else busy -= 1;
  };
  return {
    async run(work) {
      if (busy < size) busy += 1;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await work();
      } finally {
        release();
      }
    },
    get busy() {
      return busy;
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** The process's hashing slots: one per core. */
export const HASH_SLOTS = createSlots(Math.max(1, os.availableParallelism()));
