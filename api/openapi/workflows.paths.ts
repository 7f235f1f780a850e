import { guardedOperation, workspaceList } from './components.ts';

const WORKFLOW_STATUSES = ['draft', 'active', 'paused', 'archived'];
const timestamp = { type: 'string', format: 'date-time' };

const workflowSummary = {
  type: 'object',
  required: ['id', 'name', 'description', 'status', 'version', 'created_at', 'updated_at', 'last_run_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: 'string' },
    status: { enum: WORKFLOW_STATUSES },
    version: { type: 'integer', minimum: 1 },
    created_at: timestamp,
    updated_at: timestamp,
    last_run_at: { oneOf: [timestamp, { type: 'null' }] },
  },
};

/** OpenAPI path items of the workflow definition endpoints. */
export const workflowsPaths: Record<string, unknown> = {
  '/api/v1/workflows': {
    get: guardedOperation({
      operationId: 'listWorkflows',
      summary: "List the key's workspace's workflows, newest first",
      scope: 'workflows',
      parameters: [
        {
          name: 'status',
          in: 'query',
          required: false,
          description: 'Only workflows in this status; any other value is a 400.',
          schema: { enum: WORKFLOW_STATUSES },
        },
      ],
      responses: {
        200: {
          description: "The workspace's workflows.",
          schema: workspaceList('workflows', workflowSummary),
        },
      },
      errors: [400],
    }),
  },
};
