import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { openRedis } from '../redis.ts';
import type { LiveEvents } from './live-events.ts';
import { MemoryLiveEvents } from './memory-live-events.ts';
import { PostgresLiveEvents } from './postgres-live-events.ts';
import { RedisLiveEvents } from './redis-live-events.ts';

export interface LiveEventsOptions {
  readonly config: Config;
  readonly log: Logger;
  /** The process's shared Redis client, when it has one; without it one is opened (and closed) here. */
  readonly redis?: Redis;
  /**
   * The API and the only worker that could publish share this process (`dagen start` with its own
   * Postgres and Temporal): without Redis, events then stay in the process.
   */
  readonly inProcess?: boolean;
}

/**
 * The live-events transport of a process: Redis pub/sub when REDIS_URL is set, else in-process when
 * nothing outside the process publishes or subscribes, else Postgres LISTEN/NOTIFY.
 */
export function openLiveEvents(options: LiveEventsOptions): LiveEvents {
  const { config, log } = options;
  if (config.redisUrl) {
    if (options.redis) return new RedisLiveEvents({ redis: options.redis, log });
    return new RedisLiveEvents({ redis: openRedis(config.redisUrl, log), ownsRedis: true, log });
  }
  if (options.inProcess) return new MemoryLiveEvents(log);
  if (!config.databaseUrl) throw new Error('live events need REDIS_URL or DATABASE_URL');
  return new PostgresLiveEvents({ databaseUrl: config.databaseUrl, log });
}
