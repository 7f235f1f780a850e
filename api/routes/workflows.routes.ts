import { z } from 'zod';
import { WORKFLOW_STATUSES } from '../../db/entities/workflow-definition.entity.ts';
import { listDefinitions } from '../../domain/definitions/definitions.service.ts';
import { authOf } from '../../http/context.ts';
import { named, timestamp, uuid } from '../openapi/schemas.ts';
import { endpoint } from './endpoint.ts';

const workflowSummary = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  status: z.enum(WORKFLOW_STATUSES),
  version: z.int().min(1),
  created_at: timestamp,
  updated_at: timestamp,
  last_run_at: timestamp.nullable(),
});

const workflowList = named(
  'WorkflowList',
  z.object({ workspace_id: uuid, workflows: z.array(workflowSummary) }),
);

const listWorkflowsEndpoint = endpoint({
  method: 'get',
  path: '/workflows',
  scope: 'workflows',
  operationId: 'listWorkflows',
  summary: "List the key's workspace's workflows, newest first",
  query: z.object({
    // A repeated `?status=` arrives as an array and fails the enum like any other bad value.
    status: z
      .enum(WORKFLOW_STATUSES)
      .optional()
      .meta({ description: 'Only workflows in this status; any other value is a 400.' }),
  }),
  responses: {
    200: {
      description: "The workspace's workflows.",
      schema: workflowList,
      links: {
        RunFirstWorkflow: {
          operationId: 'runWorkflow',
          description: 'Start a run of the first workflow listed (only `active` ones run).',
          parameters: { id: '$response.body#/workflows/0/id' },
        },
      },
    },
  },
}).handledBy(async (ctx, { query }, deps) => {
  const { workspaceId } = authOf(ctx);
  const workflows = await listDefinitions(deps.services.orm.em.fork(), workspaceId, {
    status: query.status,
    order: 'newest',
  });
  return { status: 200, body: { workspace_id: workspaceId, workflows } };
});

/** Workflow definition endpoints (scope `workflows`). */
export const workflowEndpoints = [listWorkflowsEndpoint];
