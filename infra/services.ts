import type { Redis } from 'ioredis';
import type { MikroORM } from '../db/orm.ts';
import { openOrm } from '../db/orm.ts';
import type { Config } from './config.ts';
import type { LiveEvents } from './events/live-events.ts';
import { openLiveEvents } from './events/open-live-events.ts';
import type { Logger } from './logger.ts';
import { openRedis, waitUntilReady } from './redis.ts';
import { connectTemporal, type TemporalClients } from './temporal.ts';

/** The connections a process holds: built once at boot, passed to factories, closed on shutdown. */
export interface Services {
  readonly config: Config;
  readonly log: Logger;
  readonly orm: MikroORM;
  readonly temporal: TemporalClients;
  readonly redis: Redis | undefined;
  readonly events: LiveEvents;
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** Keep live events in this process: it holds the API and the only worker (see openLiveEvents). */
  readonly eventsInProcess?: boolean;
}

/** Opens Postgres, Temporal and (when configured) Redis for a process. */
export async function openServices(
  config: Config,
  log: Logger,
  options: ServicesOptions = {},
): Promise<Services> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
  const address = config.temporal.address ?? '127.0.0.1:7233';
  const orm = await openOrm(config.databaseUrl);
  const temporal = await connectTemporal(address, config.temporal.namespace);
  const redis = config.redisUrl ? openRedis(config.redisUrl, log) : undefined;
  if (redis) await waitUntilReady(redis, 2000);
  const events = openLiveEvents({ config, log, redis, inProcess: options.eventsInProcess });
  return {
    config,
    log,
    orm,
    temporal,
    redis,
    events,
    async close() {
      await events.close();
      await temporal.connection.close();
      await orm.close();
      if (redis) redis.disconnect();
    },
  };
}
