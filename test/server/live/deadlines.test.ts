import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DeadlineEntry, DeadlineQueue } from '../../../server/live/deadlines.ts';

interface Entry extends DeadlineEntry {
  name: string;
}

const entry = (name: string): Entry => ({ name, deadline: 0, deadlineSlot: -1 });

let due: string[];
let queue: DeadlineQueue<Entry>;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  due = [];
  queue = new DeadlineQueue<Entry>((e) => due.push(e.name), Date.now);
});
afterEach(() => {
  queue.clear();
  vi.useRealTimers();
});

describe('DeadlineQueue', () => {
  it('calls back each entry once, at its deadline, in deadline order', () => {
    const at = Date.now();
    for (const [name, offset] of [
      ['c', 300],
      ['a', 100],
      ['d', 400],
      ['b', 200],
    ] as const) {
      queue.add(entry(name), at + offset);
    }
    vi.advanceTimersByTime(99);
    expect(due).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(due).toEqual(['a']);
    vi.advanceTimersByTime(300);
    expect(due).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.size).toBe(0);
  });

  it('never calls back an entry removed before its deadline, wherever it sat in the heap', () => {
    const at = Date.now();
    const entries = Array.from({ length: 20 }, (_, i) => entry(`e${i}`));
    for (const [i, e] of entries.entries()) queue.add(e, at + 1000 - i * 37);
    for (const i of [0, 19, 7, 8, 13]) queue.remove(entries[i] as Entry);
    queue.remove(entries[7] as Entry);
    expect(queue.size).toBe(15);
    vi.advanceTimersByTime(2000);
    const expected = entries
      .map((e, i) => ({ name: e.name, deadline: at + 1000 - i * 37, i }))
      .filter((e) => ![0, 19, 7, 8, 13].includes(e.i))
      .sort((x, y) => x.deadline - y.deadline)
      .map((e) => e.name);
    expect(due).toEqual(expected);
  });

  it('moves an entry added again to its new deadline', () => {
    const a = entry('a');
    queue.add(a, Date.now() + 100);
    queue.add(entry('b'), Date.now() + 200);
    queue.add(a, Date.now() + 300);
    vi.advanceTimersByTime(250);
    expect(due).toEqual(['b']);
    vi.advanceTimersByTime(50);
    expect(due).toEqual(['b', 'a']);
  });

  it('lets a callback queue its entry again for a later deadline', () => {
    let rounds = 0;
    const again = new DeadlineQueue<Entry>((e) => {
      due.push(e.name);
      if (++rounds < 3) again.add(e, Date.now() + 100);
    }, Date.now);
    again.add(entry('a'), Date.now() + 100);
    vi.advanceTimersByTime(1000);
    expect(due).toEqual(['a', 'a', 'a']);
  });

  it('runs what is due by its clock when asked, though its timer has not fired', () => {
    let clock = Date.now();
    const jumpy = new DeadlineQueue<Entry>(
      (e) => due.push(e.name),
      () => clock,
    );
    jumpy.add(entry('a'), clock + 60_000);
    jumpy.add(entry('b'), clock + 120_000);
    clock += 90_000;
    jumpy.runDue();
    expect(due).toEqual(['a']);
    expect(jumpy.size).toBe(1);
    jumpy.clear();
  });

  it('fires nothing once cleared', () => {
    queue.add(entry('a'), Date.now() + 100);
    queue.clear();
    vi.advanceTimersByTime(1000);
    expect(due).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
