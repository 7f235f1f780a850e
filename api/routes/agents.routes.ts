import Router from '@koa/router';
import { BUILTIN_AGENTS } from '../../core/builtin-agents.ts';
import type { Services } from '../../infra/services.ts';
import { type AppState, authOf } from '../context.ts';

interface CustomAgentRow {
  id: string;
  name: string;
  description: string;
}

const CUSTOM_AGENTS_SQL = 'select id, name, description from agents where workspace_id = ? order by name, id';

/** Agent endpoints (scope `agents`), mounted under /api/v1 behind the key gate. */
export function agentRoutes(services: Services): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/agents', async (ctx) => {
    const { workspaceId } = authOf(ctx);
    // Raw SQL on the hot path: the ORM's hydration costs several times the query for three columns.
    const custom = await services.orm.em
      .getConnection()
      .execute<CustomAgentRow[]>(CUSTOM_AGENTS_SQL, [workspaceId]);
    ctx.body = {
      workspace_id: workspaceId,
      agents: [
        ...BUILTIN_AGENTS.map((a) => ({
          id: a.id,
          name: a.name,
          description: a.description,
          type: 'builtin',
        })),
        ...custom.map((a) => ({ id: a.id, name: a.name, description: a.description, type: 'custom' })),
      ],
    };
  });

  return router;
}
