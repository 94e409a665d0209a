import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionEvent, SessionEvents } from '../../../server/session/events.ts';
import { openRedisSessionEvents } from '../../../server/session/redis-events.ts';
import {
  inspectRedis,
  REDIS_URL,
  redisSkipReason,
  UNREACHABLE_REDIS_URL,
  uniquePrefix,
} from '../../helpers/redis.ts';
import { ownRedis } from '../../helpers/redis-server.ts';

const skip = await redisSkipReason();
/** Long enough for a duplicate or a stray delivery over a local Redis to arrive. */
const SETTLE_MS = 150;

describe.skipIf(skip !== null)('openRedisSessionEvents', () => {
  const opened: SessionEvents[] = [];

  /** A bus under `prefix` that records what its one listener hears. */
  async function bus(prefix: string): Promise<{ events: SessionEvents; heard: SessionEvent[] }> {
    const events = await openRedisSessionEvents({ url: REDIS_URL, prefix });
    opened.push(events);
    const heard: SessionEvent[] = [];
    events.subscribe((event) => heard.push(event));
    return { events, heard };
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((events) => events.close()));
  });

  it('delivers a publish on one bus exactly once to the listeners of both buses', async () => {
    const prefix = uniquePrefix();
    const a = await bus(prefix);
    const b = await bus(prefix);
    const event: SessionEvent = { type: 'ended', ref: 'session-ref-1', reason: 'signed-out' };

    await a.events.publish(event);

    await expect.poll(() => b.heard.length).toBe(1);
    await sleep(SETTLE_MS);
    expect(a.heard).toEqual([event]);
    expect(b.heard).toEqual([event]);
  });

  it('delivers to the publishing bus before publish resolves', async () => {
    const a = await bus(uniquePrefix());

    await a.events.publish({ type: 'ended', ref: 'r', reason: 'revoked' });

    expect(a.heard).toEqual([{ type: 'ended', ref: 'r', reason: 'revoked' }]);
  });

  it('delivers events from both directions in the order each bus published them', async () => {
    const prefix = uniquePrefix();
    const a = await bus(prefix);
    const b = await bus(prefix);

    await a.events.publish({ type: 'ended', ref: 'a-1', reason: 'signed-out' });
    await b.events.publish({ type: 'ended', ref: 'b-1', reason: 'expired' });
    await a.events.publish({ type: 'ended', ref: 'a-2', reason: 'revoked' });

    await expect.poll(() => a.heard.length + b.heard.length).toBe(6);
    await sleep(SETTLE_MS);
    const refs = (heard: SessionEvent[]) =>
      heard.map((event) => (event.type === 'ended' ? event.ref : ''));
    expect(refs(a.heard).filter((ref) => ref.startsWith('a-'))).toEqual(['a-1', 'a-2']);
    expect(refs(b.heard).filter((ref) => ref.startsWith('a-'))).toEqual(['a-1', 'a-2']);
    expect(refs(a.heard)).toContain('b-1');
    expect(refs(b.heard)).toContain('b-1');
  });

  it('gives each of several listeners on one bus the event once', async () => {
    const prefix = uniquePrefix();
    const a = await bus(prefix);
    const b = await bus(prefix);
    const second: SessionEvent[] = [];
    b.events.subscribe((event) => second.push(event));

    await a.events.publish({ type: 'ended', ref: 'r', reason: 'signed-out' });

    await expect.poll(() => second.length).toBe(1);
    await sleep(SETTLE_MS);
    expect(b.heard).toHaveLength(1);
    expect(second).toHaveLength(1);
  });

  it('keeps buses under different prefixes apart', async () => {
    const a = await bus(uniquePrefix());
    const other = await bus(uniquePrefix());

    await a.events.publish({ type: 'ended', ref: 'r', reason: 'signed-out' });

    await sleep(SETTLE_MS);
    expect(other.heard).toEqual([]);
  });

  it('stops delivering to a listener once it is removed', async () => {
    const prefix = uniquePrefix();
    const a = await bus(prefix);
    const b = await bus(prefix);
    const removed: SessionEvent[] = [];
    const unsubscribe = b.events.subscribe((event) => removed.push(event));

    unsubscribe();
    await a.events.publish({ type: 'ended', ref: 'r', reason: 'signed-out' });

    await expect.poll(() => b.heard.length).toBe(1);
    expect(removed).toEqual([]);
  });

  it('ignores malformed messages on its channel and keeps delivering', async () => {
    const prefix = uniquePrefix();
    const a = await bus(prefix);
    const b = await bus(prefix);
    const raw = inspectRedis();
    try {
      await raw.publish(`${prefix}session-events`, 'not json');
      await raw.publish(
        `${prefix}session-events`,
        JSON.stringify({ from: 'x', ref: 'r', reason: 'bored' }),
      );
      await raw.publish(`${prefix}session-events`, JSON.stringify({ ref: 'r', reason: 'expired' }));
      await a.events.publish({ type: 'ended', ref: 'after', reason: 'expired' });

      await expect.poll(() => b.heard.length).toBe(1);
      await sleep(SETTLE_MS);
      expect(b.heard).toEqual([{ type: 'ended', ref: 'after', reason: 'expired' }]);
    } finally {
      await raw.quit();
    }
  });

  it('raises resync on its own listeners once its subscription is back after a drop', async () => {
    // A Redis of this test's own: killing its subscriber connections touches no other test.
    const redis = await ownRedis();
    await redis.start();
    const buses: SessionEvents[] = [];
    try {
      const open = async () => {
        const events = await openRedisSessionEvents({ url: redis.url, prefix: 'resync:' });
        buses.push(events);
        const heard: SessionEvent[] = [];
        events.subscribe((event) => heard.push(event));
        return { events, heard };
      };
      const a = await open();
      const b = await open();
      const raw = new Redis(redis.url);
      expect(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(2);
      await raw.quit();

      await expect.poll(() => a.heard, { timeout: 5000 }).toEqual([{ type: 'resync' }]);
      await expect.poll(() => b.heard, { timeout: 5000 }).toEqual([{ type: 'resync' }]);
      // Subscribed again: events flow as before, and no resync travelled between them.
      await b.events.publish({ type: 'ended', ref: 'after-drop', reason: 'signed-out' });
      await expect
        .poll(() => a.heard)
        .toEqual([{ type: 'resync' }, { type: 'ended', ref: 'after-drop', reason: 'signed-out' }]);
    } finally {
      await Promise.all(buses.map((events) => events.close()));
      await redis.remove();
    }
  });

  it('closes twice without error and hears nothing once closed', async () => {
    const prefix = uniquePrefix();
    const a = await bus(prefix);
    const b = await bus(prefix);

    await b.events.close();
    await expect(b.events.close()).resolves.toBeUndefined();
    await a.events.publish({ type: 'ended', ref: 'r', reason: 'signed-out' });

    await sleep(SETTLE_MS);
    expect(b.heard).toEqual([]);
  });

  it('rejects when Redis is unreachable, naming it, once its one retry of the connection fails', async () => {
    const opening = openRedisSessionEvents({ url: UNREACHABLE_REDIS_URL, prefix: uniquePrefix() });

    await expect(opening).rejects.toThrow(
      'Redis at redis://127.0.0.1:1/0 did not accept SUBSCRIBE: connect ECONNREFUSED 127.0.0.1:1',
    );
    await expect(opening).rejects.toMatchObject({ code: 'store.unreachable' });
    // Given up by a count (maxRetriesPerRequest: 1, a reconnect 100 ms after the refusal),
    // not by waiting out the command timeout: so it fails within about a second.
    await expect(opening).rejects.toMatchObject({
      cause: { name: 'MaxRetriesPerRequestError' },
    });
  });
});
