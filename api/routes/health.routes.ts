import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { UnauthorizedError } from '../../core/errors.ts';
import { redisHealthy } from '../../infra/redis.ts';
import type { Services } from '../../infra/services.ts';
import { temporalHealthy } from '../../infra/temporal.ts';
import type { AppState } from '../../http/context.ts';

/** Checks each dependency; a failing one names itself in the 503 body. */
async function readiness(services: Services): Promise<Record<string, boolean>> {
  const checks: Record<string, Promise<boolean>> = {
    postgres: services.orm.em
      .getConnection()
      .execute('select 1')
      .then(() => true),
    temporal: temporalHealthy(services.temporal.connection),
  };
  if (services.redis) checks.redis = redisHealthy(services.redis);
  const entries = await Promise.all(
    Object.entries(checks).map(async ([k, v]) => [k, await v.catch(() => false)]),
  );
  return Object.fromEntries(entries) as Record<string, boolean>;
}

/**
 * `/healthz` (alive), `/readyz` (dependencies reachable) and, when METRICS_TOKEN is set, `/metrics`
 * (Prometheus text) for callers that send it as a bearer token. The API port is the public one, and
 * metrics name routes, volumes and error rates: without a token the API does not serve them at all.
 */
export function healthRoutes(services: Services, metricsText: () => Promise<string>): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks = await readiness(services);
    const failed = Object.keys(checks).filter((k) => !checks[k]);
    ctx.status = failed.length === 0 ? 200 : 503;
    ctx.body =
      failed.length === 0
        ? { status: 'ready', checks }
        : { error: `Not ready: ${failed.join(', ')} unreachable`, checks };
  });
  const token = services.config.metricsToken;
  if (token === undefined) return router;
  const expected = digest(token);
  router.get('/metrics', async (ctx) => {
    const presented = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1];
    // Digests have equal lengths, so the comparison takes the same time whatever was sent.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedError('Missing or invalid metrics token (Authorization: Bearer <METRICS_TOKEN>)');
    }
    ctx.type = 'text/plain; version=0.0.4';
    ctx.body = await metricsText();
  });
  return router;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
