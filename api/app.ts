import Koa from 'koa';
import type Router from '@koa/router';
import type { Services } from '../infra/services.ts';
import type { AppState } from './context.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { jsonBody } from './middleware/json-body.ts';
import { httpMetrics } from './middleware/metrics.ts';
import { requestId } from './middleware/request-id.ts';
import { metricsSource, type HttpMetrics } from '../infra/metrics.ts';
import { allowedMethods } from './routes/allowed-methods.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { v1Routes } from './routes/v1.routes.ts';

export interface AppOptions {
  services: Services;
  metrics: HttpMetrics;
  /** Where the Temporal SDK exports its own Prometheus metrics, when this process hosts a worker. */
  temporalMetricsUrl?: string | undefined;
}

export interface ApiApplication {
  readonly koa: Koa<AppState>;
  /** Flushes what the app buffers (usage counters) and stops its background work. */
  close(): Promise<void>;
}

/**
 * Builds the Koa app: request ids, metrics, error rendering, the 405 of a method a path does not
 * declare, JSON bodies, then the routers.
 */
export function createApp(options: AppOptions): ApiApplication {
  const { services, metrics } = options;
  const app = new Koa<AppState>({ proxy: true });
  app.silent = true;
  app.use(requestId(services.log));
  app.use(httpMetrics(metrics));
  app.use(errorHandler());
  const v1 = v1Routes(services);
  const routers: Router<AppState>[] = [
    healthRoutes(services, metricsSource(metrics.registry, options.temporalMetricsUrl)),
    v1.router,
  ];
  app.use(allowedMethods(routers));
  app.use(jsonBody(services.config.maxBodyBytes));
  for (const router of routers) app.use(router.routes());
  return { koa: app, close: v1.close };
}
