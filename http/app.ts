import Koa from 'koa';
import type Router from '@koa/router';
import type { Services } from '../infra/services.ts';
import type { AppState } from './context.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { httpMetrics } from './middleware/metrics.ts';
import { requestId } from './middleware/request-id.ts';
import { metricsSource, type HttpMetrics } from '../infra/metrics.ts';
import { allowedMethods } from '../api/routes/allowed-methods.ts';
import { healthRoutes } from '../api/routes/health.routes.ts';
import { v1Routes } from '../api/routes/v1.routes.ts';
import { a2aRoutes } from '../a2a/a2a.routes.ts';
import { createDoorDeps } from './door-deps.ts';
import { createKeyGate } from './key-gate.ts';

export interface AppOptions {
  services: Services;
  metrics: HttpMetrics;
  /** Where the Temporal SDK exports its own Prometheus metrics, when this process hosts a worker. */
  temporalMetricsUrl?: string | undefined;
  /** What the Agent Card says this deployment's version is. */
  version?: string | undefined;
}

const DEFAULT_VERSION = '0.1.0';

export interface ApiApplication {
  readonly koa: Koa<AppState>;
  /** Ends held `wait` requests now, each answering with its run's current state (shutdown begins). */
  drain(): void;
  /** Flushes what the app buffers (usage counters) and stops its background work. */
  close(): Promise<void>;
}

/**
 * Builds the Koa app: request ids, metrics, error rendering, the 405 of a method a path does not
 * declare, then the routers. Bodies are read by each route after its key gate (see v1.routes.ts),
 * never here, so an unauthenticated request costs no parse.
 */
export function createApp(options: AppOptions): ApiApplication {
  const { services, metrics } = options;
  const app = new Koa<AppState>({ proxy: true });
  app.silent = true;
  let draining = false;
  // Once the server stops, answers close their connection, so a kept-alive one cannot hold the stop.
  app.use(async function closeWhenDraining(ctx, next) {
    await next();
    if (draining) ctx.set('Connection', 'close');
  });
  app.use(requestId(services.log));
  app.use(httpMetrics(metrics));
  app.use(errorHandler());
  // One gate for every door: one key cache, one limiter, so a key's rate limit counts all its calls;
  // and one of each cache and listener the doors use.
  const gate = createKeyGate(services);
  const shared = createDoorDeps(services);
  const routers: Router<AppState>[] = [
    healthRoutes(services, metricsSource(metrics.registry, options.temporalMetricsUrl)),
    v1Routes(shared.deps, gate),
    a2aRoutes(shared.deps, gate, options.version ?? DEFAULT_VERSION, new Date()),
  ];
  app.use(allowedMethods(routers));
  for (const router of routers) app.use(router.routes());
  return {
    koa: app,
    drain() {
      draining = true;
      shared.drain();
    },
    async close() {
      await shared.close();
      await gate.close();
    },
  };
}
