import { guardedOperation, workspaceList } from './components.ts';

const agent = {
  type: 'object',
  required: ['id', 'name', 'description', 'type'],
  properties: {
    id: { type: 'string', description: 'A uuid for custom agents, `builtin:<name>` for builtin ones.' },
    name: { type: 'string' },
    description: { type: 'string' },
    type: { enum: ['builtin', 'custom'] },
  },
};

/** OpenAPI path items of the agent endpoints. */
export const agentsPaths: Record<string, unknown> = {
  '/api/v1/agents': {
    get: guardedOperation({
      operationId: 'listAgents',
      summary: "List the agents the key's workspace can call",
      description:
        "Builtin agents first, then the workspace's custom agents by name. Each API process may serve a listing up to AGENT_LIST_CACHE_MS (default 1 s) old.",
      scope: 'agents',
      responses: {
        200: {
          description: "The workspace's agents.",
          schema: workspaceList('agents', agent),
        },
      },
    }),
  },
};
