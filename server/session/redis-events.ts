/**
 * Session events over Redis pub/sub, for several instances on one Redis: a sign-out on one
 * instance closes that session's live sockets on every instance, and a sign-in tells that
 * browser's other tabs wherever their sockets are.
 *
 * Each bus delivers its own events to its local listeners directly (so a sign-out closes
 * this instance's sockets even if Redis just went away) and publishes them, tagged with the
 * bus's id, on `<prefix>session-events`. Its subscriber connection skips messages carrying
 * its own id, so every listener hears each event exactly once.
 *
 * Pub/sub is fire-and-forget: an instance cut off from Redis misses events published
 * meanwhile. That costs no security, since the session itself is gone from the store and
 * the next request or socket open finds no session. So that open pages learn it too, the
 * bus raises `resync` locally each time its subscription is back after a drop, and the app
 * then closes the sockets whose sessions are gone (app.ts).
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { SessionEndReason } from '../../shared/protocol.ts';
import { connectRedis, RedisUnavailableError } from '../store/redis-connection.ts';
import { createLocalSessionEvents, type SessionEvents } from './events.ts';

/** What travels on the channel. `from` is the publishing bus, so it can skip its own echo. */
const WireEvent = v.variant('type', [
  v.strictObject({
    from: v.string(),
    type: v.literal('ended'),
    ref: v.pipe(v.string(), v.minLength(1)),
    reason: SessionEndReason,
  }),
  v.strictObject({
    from: v.string(),
    type: v.literal('signed-in'),
    binding: v.pipe(v.string(), v.minLength(1)),
  }),
  v.strictObject({
    from: v.string(),
    type: v.literal('session-started'),
    account: v.pipe(v.string(), v.minLength(1)),
  }),
]);

export interface RedisSessionEventsOptions {
  /** The same Redis URL as the store's. */
  url: string;
  /** The same key prefix as the store's; the channel is `<prefix>session-events`. */
  prefix: string;
}

/**
 * Opens a session event bus on Redis: a publishing connection and a dedicated subscriber
 * connection (a subscribed connection can run nothing else). Resolves once subscribed, so
 * nothing published after it resolves is missed; rejects within about a second when Redis
 * is unreachable.
 *
 * @example
 * const events = await openRedisSessionEvents({ url: 'redis://127.0.0.1:6379/0', prefix: 'baton:' });
 * events.subscribe((event) => console.log(event.type));
 */
export async function openRedisSessionEvents(
  options: RedisSessionEventsOptions,
): Promise<SessionEvents> {
  const channel = `${options.prefix}session-events`;
  const busId = randomUUID();
  const local = createLocalSessionEvents();
  const publisher = connectRedis(options.url, { name: 'baton-events-publish' });
  const subscriber = connectRedis(options.url, { name: 'baton-events-subscribe' });

  subscriber.client.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const event = parseWireEvent(message);
    // A malformed message (another program on the channel, a future Baton) is dropped:
    // it must not throw out of the subscriber, and it names no session we could end.
    if (event === null || event.from === busId) return;
    const { from: _from, ...payload } = event;
    void local.publish(payload);
  });

  const close = async () => {
    await local.close();
    await Promise.all([publisher.close(), subscriber.close()]);
  };

  // After the first connection, every `ready` is a reconnect: events published while the
  // subscription was down are lost. SUBSCRIBE again (ioredis does too; a repeat is
  // harmless) and raise `resync` once its reply confirms the subscription is live, so a
  // session ended after that is heard, and one ended before it is gone from the store.
  let subscribed = false;
  subscriber.client.on('ready', () => {
    if (!subscribed) return;
    subscriber.client.subscribe(channel).then(
      () => void local.publish({ type: 'resync' }),
      () => {}, // dropped again: the next `ready` tries again
    );
  });

  try {
    await subscriber.client.subscribe(channel);
    subscribed = true;
  } catch (error) {
    await close();
    const cause = subscriber.lastError() ?? (error as Error);
    throw new RedisUnavailableError(
      `Redis at ${subscriber.where} did not accept SUBSCRIBE: ${cause.message}`,
      {
        cause: error,
      },
    );
  }

  return {
    async publish(event) {
      await local.publish(event);
      if (event.type === 'resync') return; // about this bus alone
      const wire: v.InferOutput<typeof WireEvent> = { from: busId, ...event };
      await publisher.client.publish(channel, JSON.stringify(wire));
    },
    subscribe: (listener) => local.subscribe(listener),
    close,
  };
}

function parseWireEvent(message: string): v.InferOutput<typeof WireEvent> | null {
  try {
    const parsed = v.safeParse(WireEvent, JSON.parse(message));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}
