import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { waitUntilReady } from '../redis.ts';
import type { LiveEvents } from './live-events.ts';
import { DeliveryWarning, LocalSubscribers, serialize } from './local-subscribers.ts';

/** Redis channels of live events are `dagen:events:<channel>`. */
export const REDIS_EVENTS_PREFIX = 'dagen:events:';
/** How the subscriber connection shows in CLIENT LIST. */
export const REDIS_EVENTS_CONNECTION = 'dagen-live-events';
/** How long a subscribe waits for the subscriber connection before it fails (Redis is down). */
const SUBSCRIBER_READY_MS = 2_000;

export interface RedisLiveEventsOptions {
  /** The process's shared client: events are published on it. */
  readonly redis: Redis;
  /** Close `redis` with these events (it was opened for them alone). */
  readonly ownsRedis?: boolean;
  readonly log: Logger;
  /** The subscriber connection's name (tests tell their instances apart by it). */
  readonly connectionName?: string;
}

/**
 * Live events over Redis pub/sub. Publishing uses the shared client, whose commands fail fast while
 * Redis is down (the event is dropped with one warning per outage: the rows stay the truth). All
 * local subscribers share ONE subscriber connection, opened on the first subscribe: a Redis channel
 * is subscribed when its first local subscriber arrives and unsubscribed when its last one leaves.
 * One connection each way keeps every channel's events in publish order.
 */
export class RedisLiveEvents implements LiveEvents {
  readonly #redis: Redis;
  readonly #ownsRedis: boolean;
  readonly #log: Logger;
  readonly #connectionName: string;
  readonly #local: LocalSubscribers;
  readonly #warning: DeliveryWarning;
  /** Per channel, the upstream SUBSCRIBE that later local subscribers of the channel wait for too. */
  readonly #live = new Map<string, Promise<void>>();
  #subscriber: Redis | undefined;
  #closed = false;

  constructor(options: RedisLiveEventsOptions) {
    this.#redis = options.redis;
    this.#ownsRedis = options.ownsRedis ?? false;
    this.#log = options.log;
    this.#connectionName = options.connectionName ?? REDIS_EVENTS_CONNECTION;
    this.#local = new LocalSubscribers(options.log);
    this.#warning = new DeliveryWarning(options.log, 'Redis');
  }

  publish(channel: string, event: object): void {
    const json = serialize(event, this.#log, channel);
    if (json === undefined || this.#closed) return;
    this.#redis.publish(REDIS_EVENTS_PREFIX + channel, json).then(
      () => this.#warning.delivered(),
      (err: unknown) => this.#warning.failed(err),
    );
  }

  async subscribe(channel: string, onEvent: (event: unknown) => void): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('live events are closed');
    return this.#local.join(
      channel,
      onEvent,
      (first) => {
        if (first) this.#live.set(channel, this.#subscribeUpstream(channel));
        return this.#live.get(channel)!;
      },
      (last) => (last ? this.#unsubscribeUpstream(channel) : Promise.resolve()),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
    if (this.#ownsRedis) this.#redis.disconnect();
  }

  async #subscribeUpstream(channel: string): Promise<void> {
    const subscriber = this.#subscriberConnection();
    await waitUntilReady(subscriber, SUBSCRIBER_READY_MS);
    // Without the offline queue a command on a connection that is not up fails at once.
    await subscriber.subscribe(REDIS_EVENTS_PREFIX + channel);
  }

  async #unsubscribeUpstream(channel: string): Promise<void> {
    this.#live.delete(channel);
    // A later SUBSCRIBE of the same channel goes out after this on the same connection: order holds.
    await this.#subscriber?.unsubscribe(REDIS_EVENTS_PREFIX + channel).catch((err: unknown) => {
      this.#log.debug({ err, channel }, 'could not unsubscribe live events');
    });
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber) return this.#subscriber;
    // Same server and options as the shared client; ioredis subscribes again after a reconnect.
    const subscriber = this.#redis.duplicate({ connectionName: this.#connectionName });
    let down = false;
    subscriber.on('error', (err: Error) => {
      if (!down) this.#log.warn({ err: err.message }, 'live events subscriber: redis unavailable');
      down = true;
    });
    subscriber.on('ready', () => {
      down = false;
    });
    subscriber.on('message', (key: string, message: string) => this.#receive(key, message));
    this.#subscriber = subscriber;
    return subscriber;
  }

  #receive(key: string, message: string): void {
    if (!key.startsWith(REDIS_EVENTS_PREFIX)) return;
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch (err) {
      this.#log.warn({ err }, 'live event dropped: not JSON');
      return;
    }
    this.#local.deliver(key.slice(REDIS_EVENTS_PREFIX.length), event);
  }
}
