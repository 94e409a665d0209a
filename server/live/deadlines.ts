/**
 * Deadlines for many sockets on one timer: a binary min-heap of entries ordered by their
 * deadline, and a single timer armed for the earliest. Each entry remembers its place in the
 * heap, so a socket that closes leaves the queue at once (nothing lingers until its deadline),
 * and a socket costs no timer of its own.
 */

/** What the queue keeps on each entry: its deadline and its place in the heap. */
export interface DeadlineEntry {
  /** When the entry is due (ms, on the queue's clock). */
  deadline: number;
  /** Its index in the heap while queued, -1 otherwise (the queue's own bookkeeping). */
  deadlineSlot: number;
}

/** Longest delay a Node timer takes; a later deadline wakes the queue early and is re-armed. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class DeadlineQueue<T extends DeadlineEntry> {
  readonly #heap: T[] = [];
  readonly #onDue: (entry: T) => void;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  /** The deadline the timer is armed for. */
  #armedFor = Number.POSITIVE_INFINITY;

  /** `onDue` is called once for each entry whose deadline has come, after it left the queue. */
  constructor(onDue: (entry: T) => void, now: () => number) {
    this.#onDue = onDue;
    this.#now = now;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Queues `entry` for `deadline` (moving it if it is queued already). */
  add(entry: T, deadline: number): void {
    if (entry.deadlineSlot >= 0) this.remove(entry);
    entry.deadline = deadline;
    entry.deadlineSlot = this.#heap.length;
    this.#heap.push(entry);
    this.#up(entry.deadlineSlot);
    this.#arm();
  }

  /** Takes `entry` out of the queue; does nothing if it is not queued. */
  remove(entry: T): void {
    const slot = entry.deadlineSlot;
    if (slot < 0 || this.#heap[slot] !== entry) return;
    entry.deadlineSlot = -1;
    const last = this.#heap.pop() as T;
    if (last !== entry) {
      this.#place(last, slot);
      this.#down(slot);
      this.#up(last.deadlineSlot);
    }
    this.#arm();
  }

  /** Empties the queue and stops its timer. */
  clear(): void {
    for (const entry of this.#heap) entry.deadlineSlot = -1;
    this.#heap.length = 0;
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  /**
   * Calls `onDue` for every entry due by now. The timer does this at the earliest deadline;
   * calling it besides (the door does at every heartbeat) catches up with a clock that jumped
   * ahead of the timer, which counts time on its own.
   */
  runDue(): void {
    const at = this.#now();
    const due: T[] = [];
    for (let first = this.#heap[0]; first && first.deadline <= at; first = this.#heap[0]) {
      this.remove(first);
      due.push(first);
    }
    this.#arm();
    for (const entry of due) this.#onDue(entry);
  }

  #fire(): void {
    this.#timer = null;
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.runDue();
  }

  #arm(): void {
    const first = this.#heap[0];
    if (!first) {
      this.#stopTimer();
      return;
    }
    if (first.deadline === this.#armedFor && this.#timer) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = first.deadline;
    const delay = Math.min(Math.max(first.deadline - this.#now(), 0), MAX_DELAY_MS);
    this.#timer = setTimeout(() => this.#fire(), delay);
    // The sockets keep the process alive, not their deadlines.
    this.#timer.unref();
  }

  #place(entry: T, slot: number): void {
    this.#heap[slot] = entry;
    entry.deadlineSlot = slot;
  }

  #up(slot: number): void {
    const heap = this.#heap;
    const entry = heap[slot];
    if (!entry) return;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot] as T;
      if (parent.deadline <= entry.deadline) break;
      this.#place(parent, slot);
      slot = parentSlot;
    }
    this.#place(entry, slot);
  }

  #down(slot: number): void {
    const heap = this.#heap;
    const entry = heap[slot];
    if (!entry) return;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const leftEntry = heap[left] as T;
      const rightEntry = heap[right];
      const child = rightEntry && rightEntry.deadline < leftEntry.deadline ? right : left;
      const childEntry = heap[child] as T;
      if (childEntry.deadline >= entry.deadline) break;
      this.#place(childEntry, slot);
      slot = child;
    }
    this.#place(entry, slot);
  }
}
