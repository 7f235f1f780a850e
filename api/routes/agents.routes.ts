import Router from '@koa/router';
import type { Services } from '../../infra/services.ts';
import { AgentCatalog } from '../../domain/agents/agent-catalog.ts';
import { type AppState, authOf } from '../context.ts';

/** Agent endpoints (scope `agents`), mounted under /api/v1 behind the key gate. */
export function agentRoutes(services: Services): Router<AppState> {
  const router = new Router<AppState>();
  const catalog = new AgentCatalog(services.orm, services.config.agentListCacheMs);

  router.get('/agents', async (ctx) => {
    const { workspaceId } = authOf(ctx);
    ctx.body = { workspace_id: workspaceId, agents: await catalog.list(workspaceId) };
  });

  return router;
}
