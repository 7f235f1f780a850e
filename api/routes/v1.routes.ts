import Router from '@koa/router';
import type { Services } from '../../infra/services.ts';
import type { Scope } from '../../domain/keys/api-keys.service.ts';
import { createKeyGate, type KeyGate } from '../auth/key-gate.ts';
import type { AppState } from '../context.ts';
import { buildOpenApiDocument } from '../openapi/document.ts';
import { agentRoutes } from './agents.routes.ts';
import { runRoutes } from './runs.routes.ts';
import { workflowRoutes } from './workflows.routes.ts';

export interface V1Api {
  readonly router: Router<AppState>;
  /** Flushes usage counters and stops the key gate's subscription. */
  close(): Promise<void>;
}

/**
 * The External API v1 under /api/v1. Each resource router is mounted with the gate in front of every one
 * of its routes (authenticate → scope → rate limit), so a wrong-scope key gets 403 before any lookup
 * could answer 404. Only the OpenAPI document is public.
 */
export function v1Routes(services: Services): V1Api {
  const gate = createKeyGate(services);
  const router = new Router<AppState>({ prefix: '/api/v1' });
  const openapi = JSON.stringify(buildOpenApiDocument());
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openapi;
  });
  mountGuarded(router, gate, agentRoutes(services), 'agents');
  mountGuarded(router, gate, workflowRoutes(services), 'workflows');
  mountGuarded(router, gate, runRoutes(services), 'workflows');
  return { router, close: () => gate.close() };
}

/**
 * Puts the gate at the head of each route's own middleware stack, then mounts the router. Route-level
 * rather than `router.use`, because @koa/router flattens a nested router's `use` middleware into the
 * parent, where it would run for every other resource's routes too.
 */
function mountGuarded(parent: Router<AppState>, gate: KeyGate, child: Router<AppState>, scope: Scope): void {
  const guard = gate.guard(scope);
  for (const layer of child.stack) {
    if (layer.methods.length === 0) {
      throw new Error(
        `router for scope ${scope} has path-less middleware (${layer.path}); attach it to routes`,
      );
    }
    layer.stack.unshift(...guard);
  }
  parent.use(child.routes());
}
