import { describe, expect, it } from 'vitest';
import { createSlots } from '../../../server/accounts/hash-slots.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('createSlots', () => {
  it('runs at most `size` jobs at once and the rest in arrival order', async () => {
    const slots = createSlots(2);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string) =>
      slots.run(async () => {
        running += 1;
        most = Math.max(most, running);
        order.push(`start ${name}`);
        await tick();
        running -= 1;
        return name;
      });
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(job));
    expect(results).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(most).toBe(2);
    expect(order).toEqual(['start a', 'start b', 'start c', 'start d', 'start e']);
    expect(slots.busy).toBe(0);
    expect(slots.waiting).toBe(0);
  });

  it('frees the slot of a job that fails', async () => {
    const slots = createSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.busy).toBe(0);
  });

  it('refuses a size that is not a whole number of at least 1', () => {
    expect(() => createSlots(0)).toThrow(
      'createSlots size must be a whole number of at least 1 (received 0)',
    );
  });
});
