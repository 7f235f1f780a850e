import Router from '@koa/router';
import type { Services } from '../../infra/services.ts';
import type { AppState } from '../context.ts';
import { runRoutes } from './runs.routes.ts';

export interface V1Api {
  readonly router: Router<AppState>;
  close(): Promise<void>;
}

/** The External API v1 under /api/v1. */
export function v1Routes(services: Services): V1Api {
  const router = new Router<AppState>({ prefix: '/api/v1' });
  const runs = runRoutes(services);
  router.use(runs.routes(), runs.allowedMethods());
  return { router, close: async () => undefined };
}
