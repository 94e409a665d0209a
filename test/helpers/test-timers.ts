/**
 * Timers for code that takes a `Schedule` (server/mail/queue.ts): tests decide when they
 * fire instead of waiting for them.
 */
import type { Schedule } from '../../server/mail/queue.ts';

/** Fires every timer on the next turn of the event loop, whatever its wait; `waits` lists each wait asked for. */
export function promptTimers(): { schedule: Schedule; waits: number[] } {
  const waits: number[] = [];
  const schedule: Schedule = (task, ms) => {
    waits.push(ms);
    const timer = setImmediate(task);
    return () => clearImmediate(timer);
  };
  return { schedule, waits };
}

/**
 * Holds every timer until `open()`, then fires those held and every later one at once.
 * `waits` lists each wait asked for.
 */
export function gatedTimers(): { schedule: Schedule; waits: number[]; open(): void } {
  const waits: number[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const schedule: Schedule = (task, ms) => {
    waits.push(ms);
    let cancelled = false;
    void gate.then(() => {
      if (!cancelled) task();
    });
    return () => {
      cancelled = true;
    };
  };
  return { schedule, waits, open };
}
