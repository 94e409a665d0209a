import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore, parseRedisStoreUrl } from '../../../server/store/open.ts';
import type { RedisStore } from '../../../server/store/redis.ts';
import {
  deleteKeys,
  inspectRedis,
  REDIS_URL,
  redisSkipReason,
  uniquePrefix,
} from '../../helpers/redis.ts';

const skip = await redisSkipReason();

async function closeAll(opened: OpenedStore[]): Promise<void> {
  for (const { store, events } of opened.splice(0)) {
    await events.close();
    await store.close();
  }
}

describe('parseRedisStoreUrl', () => {
  it('defaults the prefix to baton:', () => {
    expect(parseRedisStoreUrl('redis://127.0.0.1:6379/0')).toEqual({
      url: 'redis://127.0.0.1:6379/0',
      prefix: 'baton:',
    });
  });

  it('takes the prefix from ?prefix= and keeps the other parameters for ioredis', () => {
    expect(parseRedisStoreUrl('redis://:pw@redis.internal:6380/2?prefix=shop:&family=6')).toEqual({
      url: 'redis://:pw@redis.internal:6380/2?family=6',
      prefix: 'shop:',
    });
  });

  it('refuses a prefix with other characters, naming the rule and the value', () => {
    expect(() => parseRedisStoreUrl('redis://127.0.0.1:6379/0?prefix=a*b')).toThrow(
      'STORE_URL prefix must be 1 to 64 letters, digits or ":_.-" (received "a*b")',
    );
    expect(() => parseRedisStoreUrl('redis://127.0.0.1:6379/0?prefix=')).toThrow('(received "")');
  });
});

describe('openStore', () => {
  const opened: OpenedStore[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-open-'));

  afterEach(() => closeAll(opened));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens sqlite:<file> with in-process session events', async () => {
    const result = await openStore(`sqlite:${path.join(dir, 'baton.db')}`);
    opened.push(result);
    const heard: string[] = [];
    result.events.subscribe((event) => heard.push(event.type === 'ended' ? event.ref : event.type));

    await result.events.publish({ type: 'ended', ref: 'r', reason: 'signed-out' });

    expect(result.store.kind).toBe('sqlite');
    expect(heard).toEqual(['r']);
  });

  it('refuses an unsupported scheme, naming the supported ones', async () => {
    await expect(openStore('postgres://db/baton')).rejects.toThrow(
      'STORE_URL postgres: is not supported (supported: sqlite:<file>, redis://host:port/db)',
    );
  });

  it('gives up on an unreachable Redis after readyTimeoutMs by its clock, naming it without its password', async () => {
    // A clock that only the waits between pings move: 250 ms each.
    let clock = 0;
    const waits: number[] = [];
    const failure = openStore('redis://:hunter2-secret@127.0.0.1:1/3', {
      readyTimeoutMs: 600,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });

    await expect(failure).rejects.toThrow(
      /^STORE_URL: Redis at redis:\/\/127\.0\.0\.1:1\/3 (is unreachable|did not answer PING): connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
    await expect(failure).rejects.not.toThrow('hunter2');
    // Pings at 0, 250 and 500 ms; a fourth at 750 would be past the 600 ms allowed.
    expect(waits).toEqual([250, 250]);
  });
});

describe.skipIf(skip !== null)('openStore on Redis', () => {
  const prefix = uniquePrefix();
  const opened: OpenedStore[] = [];
  afterEach(() => closeAll(opened));
  afterAll(async () => {
    await deleteKeys(prefix);
  });

  it('opens redis://… with the prefix from the URL and events on the same Redis', async () => {
    const result = await openStore(`${REDIS_URL}?prefix=${prefix}`);
    opened.push(result);
    const store = result.store as RedisStore;
    const heard: string[] = [];
    result.events.subscribe((event) => heard.push(event.type === 'ended' ? event.ref : event.type));
    const raw = inspectRedis();
    try {
      await store.sessions.set('key', { n: 1 }, 60_000);
      await raw.publish(
        `${prefix}session-events`,
        JSON.stringify({ from: 'elsewhere', type: 'ended', ref: 'r', reason: 'expired' }),
      );

      expect(store.kind).toBe('redis');
      expect(store.prefix).toBe(prefix);
      expect(await raw.get(`${prefix}session:key`)).toBe('{"n":1}');
      await expect.poll(() => heard).toEqual(['r']);
    } finally {
      await raw.quit();
    }
  });
});
