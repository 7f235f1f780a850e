import Router from '@koa/router';
import type { KeyGate } from '../../http/key-gate.ts';
import type { AppState } from '../../http/context.ts';
import { jsonBody } from '../../http/middleware/json-body.ts';
import { buildOpenApiDocument } from '../openapi/document.ts';
import { agentEndpoints } from './agents.routes.ts';
import { chatEndpoints } from './chat.routes.ts';
import { jobEndpoints } from './jobs.routes.ts';
import type { ApiDeps, Endpoint } from './endpoint.ts';
import { runEndpoints } from './runs.routes.ts';
import { serve } from './serve.ts';
import { usageEndpoints } from './usage.routes.ts';
import { workflowEndpoints } from './workflows.routes.ts';

/** Every operation of the External API v1 behind the key gate; the router and the document list these. */
const V1_ENDPOINTS: readonly Endpoint[] = [
  ...agentEndpoints,
  ...chatEndpoints,
  ...jobEndpoints,
  ...workflowEndpoints,
  ...runEndpoints,
  ...usageEndpoints,
];

/**
 * The External API v1 under /api/v1. Each route carries the gate as its own middleware (authenticate →
 * scope → rate limit) and only then reads its body, so 401/403 never consume quota nor read a body, a
 * wrong-scope key gets 403 before any lookup could answer 404, and a path no route matches is a plain
 * 404 without a key. Only the OpenAPI document is public.
 */
export function v1Routes(deps: ApiDeps, gate: KeyGate): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1' });
  const openapi = JSON.stringify(buildOpenApiDocument(V1_ENDPOINTS));
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openapi;
  });
  // The body is read only once the key passed the gate: a caller without one cannot make us read it.
  const body = jsonBody(deps.services.config.maxBodyBytes);
  for (const e of V1_ENDPOINTS) {
    if (e.method === 'get') router.get(e.path, ...gate.guard(e.scope), serve(e, deps));
    else router.post(e.path, ...gate.guard(e.scope), body, serve(e, deps));
  }
  return router;
}
