import Router from '@koa/router';
import { z } from 'zod';
import { BadRequestError } from '../../core/errors.ts';
import { WorkflowDefinition } from '../../db/entities/index.ts';
import { WORKFLOW_STATUSES } from '../../db/entities/workflow-definition.entity.ts';
import type { Services } from '../../infra/services.ts';
import { type AppState, authOf } from '../context.ts';

const listQuery = z.object({ status: z.enum(WORKFLOW_STATUSES).optional() });

/** Workflow definition endpoints (scope `workflows`), mounted under /api/v1 behind the key gate. */
export function workflowRoutes(services: Services): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/workflows', async (ctx) => {
    const { workspaceId } = authOf(ctx);
    // A repeated `?status=` arrives as an array and fails the enum like any other bad value.
    const query = listQuery.safeParse({ status: ctx.query.status });
    if (!query.success) {
      throw new BadRequestError(`status must be one of ${WORKFLOW_STATUSES.join(', ')}`);
    }
    const { status } = query.data;
    const rows = await services.orm.em
      .fork()
      .find(WorkflowDefinition, status ? { workspaceId, status } : { workspaceId }, {
        fields: ['id', 'name', 'description', 'status', 'version', 'createdAt', 'updatedAt', 'lastRunAt'],
        orderBy: { createdAt: 'desc', id: 'asc' },
      });
    ctx.body = {
      workspace_id: workspaceId,
      workflows: rows.map((w) => ({
        id: w.id,
        name: w.name,
        description: w.description,
        status: w.status,
        version: w.version,
        created_at: w.createdAt.toISOString(),
        updated_at: w.updatedAt.toISOString(),
        last_run_at: w.lastRunAt ? w.lastRunAt.toISOString() : null,
      })),
    };
  });

  return router;
}
