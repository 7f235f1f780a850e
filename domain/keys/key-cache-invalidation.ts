import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger.ts';

/** Every API process listens here; a message is the id of a key whose cached state is stale. */
const KEY_INVALIDATION_CHANNEL = 'dagen:api-keys:invalidate';

/**
 * Tells every API process to forget a key now (after a revoke, rotation or deactivation). Best
 * effort: when Redis is down the processes' short cache TTL still bounds how long a key stays cached.
 */
export async function publishKeyInvalidation(redis: Redis | undefined, keyId: string): Promise<boolean> {
  if (!redis) return false;
  try {
    await redis.publish(KEY_INVALIDATION_CHANNEL, keyId);
    return true;
  } catch {
    return false;
  }
}

export interface InvalidationHandlers {
  /** One key changed. */
  onKey(keyId: string): void;
  /** Messages may have been missed (the subscription was down): forget everything. */
  onResync(): void;
}

export interface InvalidationSubscription {
  close(): void;
}

/**
 * Subscribes on a dedicated connection (a subscribed connection can do nothing else). The copy keeps an
 * offline queue so the first SUBSCRIBE waits for the connection, and ioredis resubscribes by itself after
 * a reconnect; each reconnect also triggers `onResync`, since messages sent meanwhile are lost.
 */
export function subscribeKeyInvalidations(
  redis: Redis,
  log: Logger,
  handlers: InvalidationHandlers,
): InvalidationSubscription {
  const sub = redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
  let connectedBefore = false;
  // The main connection already reports outages; this one only has to not crash the process.
  sub.on('error', () => undefined);
  sub.on('ready', () => {
    if (connectedBefore) handlers.onResync();
    connectedBefore = true;
  });
  sub.on('message', (channel: string, message: string) => {
    if (channel === KEY_INVALIDATION_CHANNEL) handlers.onKey(message);
  });
  sub.subscribe(KEY_INVALIDATION_CHANNEL).catch((err: unknown) => {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'key invalidation subscribe failed');
  });
  return {
    close() {
      sub.disconnect();
    },
  };
}
