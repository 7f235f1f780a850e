import Router from '@koa/router';
import { z } from 'zod';
import { BadRequestError } from '../../core/errors.ts';
import { WORKFLOW_STATUSES } from '../../db/entities/workflow-definition.entity.ts';
import type { Services } from '../../infra/services.ts';
import { listDefinitions } from '../../domain/definitions/definitions.service.ts';
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
    ctx.body = {
      workspace_id: workspaceId,
      workflows: await listDefinitions(services.orm.em.fork(), workspaceId, { status, order: 'newest' }),
    };
  });

  return router;
}
