import Router from '@koa/router';
import { redisHealthy } from '../../infra/redis.ts';
import type { Services } from '../../infra/services.ts';
import { temporalHealthy } from '../../infra/temporal.ts';
import type { AppState } from '../context.ts';

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

/** `/healthz` (alive), `/readyz` (dependencies reachable) and `/metrics` (Prometheus text). */
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
  router.get('/metrics', async (ctx) => {
    ctx.type = 'text/plain; version=0.0.4';
    ctx.body = await metricsText();
  });
  return router;
}
