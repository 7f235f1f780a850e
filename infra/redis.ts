import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * Opens a Redis connection that never blocks callers while Redis is down: commands fail fast
 * (no offline queue) so the caller can fall back, and the client keeps reconnecting in the background.
 */
export function openRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'redis unavailable');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis reconnected');
    down = false;
  });
  return redis;
}

/** Waits for the first connection, but never fails the boot: without Redis the API falls back. */
export async function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs).unref();
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** True when Redis answers PING within the timeout. */
export async function redisHealthy(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
    ]);
    return pong === 'PONG';
  } catch {
    return false;
  }
}
