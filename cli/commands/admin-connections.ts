import type { EntityManager } from '../../db/orm.ts';
import { openOrm } from '../../db/orm.ts';
import { resolveDatabaseUrl } from '../../infra/data-dir.ts';
import type { Config } from '../../infra/config.ts';
import type { Logger } from '../../infra/logger.ts';
import { openRedis, waitUntilReady } from '../../infra/redis.ts';
import { publishKeyInvalidation } from '../../domain/keys/key-cache-invalidation.ts';

/** Runs one admin action against the database a running stack uses, then closes the connection. */
export async function withAdminDb<T>(config: Config, action: (em: EntityManager) => Promise<T>): Promise<T> {
  const orm = await openOrm(resolveDatabaseUrl(config));
  try {
    return await action(orm.em.fork());
  } finally {
    await orm.close();
  }
}

/**
 * Tells every API process to drop a key from its cache now. Without REDIS_URL (or with Redis down) the
 * processes' short cache TTL still applies the change within seconds; the result says which happened.
 */
export async function announceKeyChange(config: Config, log: Logger, keyId: string): Promise<boolean> {
  if (!config.redisUrl) return false;
  const redis = openRedis(config.redisUrl, log);
  try {
    await waitUntilReady(redis, 2000);
    return await publishKeyInvalidation(redis, keyId);
  } finally {
    redis.disconnect();
  }
}
