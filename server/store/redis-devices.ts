/**
 * The browsers each account has signed in from (`KnownDeviceStore`) on Redis, under the
 * store's prefix:
 *
 *   <prefix>known-devices:<account id>  sorted set: browser digests, scored by when each
 *                                       was last seen (ms); the account's deletion removes it
 *
 * A remember is one Lua script, so the look-up, the insert and the trim are one step for
 * every instance sharing the Redis.
 */
import type { Redis } from 'ioredis';
import { defineScript } from './redis-script.ts';
import {
  KNOWN_DEVICE_SEEN_RESOLUTION_MS,
  KNOWN_DEVICES_LIMIT,
  type KnownDeviceStore,
} from './store.ts';

/** The sorted set of an account's known browsers; DELETE_ACCOUNT (redis.ts) builds the same key. */
const knownDevicesKey = (prefix: string, accountId: string) =>
  `${prefix}known-devices:${accountId}`;

/**
 * KEYS: account hash, known-devices set. ARGV: digest, seen at (ms), how many to keep, how
 * old a sighting must be to move on (ms).
 * Returns 1 when the digest was filed now, 0 when it was known or there is no account (a
 * sign-in racing the account's deletion must not leave a set behind it). GT: the last
 * sighting only moves forward, whatever the instances' clocks; CH is not asked for, so
 * ZADD counts only the digests it added.
 */
const REMEMBER = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
if seen and tonumber(ARGV[2]) - tonumber(seen) < tonumber(ARGV[4]) then
  return 0
end
local added = redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[1])
if added == 1 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
end
return added
`;

export function redisKnownDevices(client: Redis, prefix: string): KnownDeviceStore {
  const remember = defineScript(client, 'batonRememberDevice', REMEMBER, 2);
  return {
    async remember(accountId, digest, at) {
      const added = await remember(
        `${prefix}account:${accountId}`,
        knownDevicesKey(prefix, accountId),
        digest,
        String(at),
        String(KNOWN_DEVICES_LIMIT),
        String(KNOWN_DEVICE_SEEN_RESOLUTION_MS),
      );
      return added === 1;
    },
    count: (accountId) => client.zcard(knownDevicesKey(prefix, accountId)),
  };
}
