/**
 * The Redis the tests run against (127.0.0.1:6379 unless REDIS_URL says otherwise), a unique
 * key prefix per run, and cleanup. Without a Redis the Redis tests skip with a plain reason,
 * unless REQUIRE_REDIS=1, when they fail instead.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const redisRequired = process.env.REQUIRE_REDIS === '1';
/** A port nothing listens on: connecting is refused at once. */
export const UNREACHABLE_REDIS_URL = 'redis://127.0.0.1:1/0';

/** Sends a raw PING, independent of the code under test. Resolves with the failure, or null. */
function probe(url: string, timeoutMs = 1_000): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    let reply = '';
    const done = (failure: string | null) => {
      socket.destroy();
      resolve(failure);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error) => done(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) {
        // -NOAUTH and friends mean a Redis is there but these tests cannot use it.
        done(
          reply.startsWith('+PONG')
            ? null
            : `it answered PING with ${JSON.stringify(reply.trim())}`,
        );
      }
    });
  });
}

/**
 * Why the Redis tests cannot run here, or null when they can. Throws with REQUIRE_REDIS=1.
 *
 * @example
 * const skip = await redisSkipReason();
 * describe.skipIf(skip !== null)('on Redis', () => { ... });
 */
export async function redisSkipReason(): Promise<string | null> {
  const failure = await probe(REDIS_URL);
  if (failure === null) return null;
  const where = new URL(REDIS_URL).host;
  const reason = `no Redis at ${where} (${failure}); start one with \`redis-server\` or set REDIS_URL`;
  if (redisRequired) throw new Error(`REQUIRE_REDIS=1 but ${reason}`);
  console.warn(`Skipping Redis tests: ${reason}.`);
  return reason;
}

/** A key prefix no other run uses, e.g. `baton-test-3f9a1c0b2e4d:`. */
export function uniquePrefix(): string {
  return `baton-test-${randomBytes(6).toString('hex')}:`;
}

/** Opens a plain client on the test Redis, for looking at keys from outside the store. */
export function inspectRedis(): Redis {
  return new Redis(REDIS_URL, { connectionName: 'baton-test-inspect', maxRetriesPerRequest: 1 });
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS); returns how many. */
export async function deleteKeys(prefix: string): Promise<number> {
  const redis = inspectRedis();
  try {
    // Escape glob characters so the prefix matches only itself.
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await redis.quit();
  }
}

/**
 * Every key under `prefix` and every value it holds (strings, hashes, lists, sets, sorted
 * sets), as bytes: what a copy of the Redis would give away.
 */
export async function dumpKeys(prefix: string): Promise<Buffer> {
  const redis = inspectRedis();
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const parts: Buffer[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next.toString();
      for (const key of keys) {
        parts.push(key);
        const type = await redis.type(key);
        if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
        else if (type === 'hash') {
          for (const [field, value] of Object.entries(await redis.hgetallBuffer(key)))
            parts.push(Buffer.from(field), value);
        } else if (type === 'list') parts.push(...(await redis.lrangeBuffer(key, 0, -1)));
        else if (type === 'set') parts.push(...(await redis.smembersBuffer(key)));
        else if (type === 'zset') parts.push(...(await redis.zrangeBuffer(key, '0', '-1')));
      }
    } while (cursor !== '0');
    return Buffer.concat(parts);
  } finally {
    await redis.quit();
  }
}

/**
 * A TCP proxy in front of the test Redis, so a test can make "Redis" go away and come back
 * without touching the real one.
 */
export interface RedisProxy {
  /** `redis://127.0.0.1:<proxy port>/0`. */
  readonly url: string;
  /** Drops every connection and stops listening: clients now find the port closed. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    cut,
    async restore() {
      await listen(port);
    },
    close: cut,
  };
}
