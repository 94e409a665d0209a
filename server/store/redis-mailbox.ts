/**
 * The Redis store's dev mailbox (`MailboxStore`): a list under `<prefix>mailbox`, newest
 * first, each entry an email's JSON, trimmed to the newest `MAILBOX_LIMIT`.
 */
import type { Redis } from 'ioredis';
import { defineScript } from './redis-script.ts';
import { MAILBOX_LIMIT, type MailboxEmail, type MailboxStore } from './store.ts';

/** KEYS: the list. ARGV: the email's JSON, how many to keep. */
const ADD = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return 0
`;

export function redisMailbox(client: Redis, prefix: string): MailboxStore {
  const key = `${prefix}mailbox`;
  const add = defineScript(client, 'batonMailboxAdd', ADD, 1);
  return {
    async add(email) {
      await add(key, JSON.stringify(email), String(MAILBOX_LIMIT));
    },
    async list() {
      const entries = await client.lrange(key, 0, MAILBOX_LIMIT - 1);
      return entries.map((json) => JSON.parse(json) as MailboxEmail);
    },
  };
}
