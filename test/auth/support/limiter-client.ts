/**
 * Child process for the cross-process limiter test: opens its own Redis connection, waits for the
 * shared start time, fires its hits concurrently through the real RateLimiter and prints the outcome.
 * Usage: node limiter-client.ts REDIS_URL KEY LIMIT HITS START_AT_EPOCH_MS
 */
import { RateLimiter } from '../../../domain/keys/rate-limit/rate-limiter.ts';
import { createLogger } from '../../../infra/logger.ts';
import { openRedis, waitUntilReady } from '../../../infra/redis.ts';

const [url, key, limit, hits, startAt] = process.argv.slice(2);
const log = createLogger('silent');
const redis = openRedis(url!, log);
await waitUntilReady(redis, 5000);
const limiter = new RateLimiter({ redis, log });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const decisions = await Promise.all(
  Array.from({ length: Number(hits) }, () => limiter.hit(key!, Number(limit))),
);
process.stdout.write(
  JSON.stringify({ admitted: decisions.filter((d) => d.allowed).length, degraded: limiter.degraded }),
);
redis.disconnect();
