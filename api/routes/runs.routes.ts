import Router from '@koa/router';
import type { Services } from '../../infra/services.ts';
import type { AppState } from '../context.ts';

/** Workflow run endpoints (scope `workflows`), mounted under /api/v1 behind the key gate. */
export function runRoutes(_services: Services): Router<AppState> {
  return new Router<AppState>();
}
