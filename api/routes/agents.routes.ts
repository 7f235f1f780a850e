import { z } from 'zod';
import { authOf } from '../../http/context.ts';
import { named, uuid } from '../openapi/schemas.ts';
import { endpoint } from './endpoint.ts';

const agent = z.object({
  id: z.string().meta({ description: 'A uuid for custom agents, `builtin:<name>` for builtin ones.' }),
  name: z.string(),
  description: z.string().meta({
    description:
      'What the agent does, ending with a sentence naming the model it uses (unless it calls none).',
  }),
  type: z.enum(['builtin', 'custom']),
  model: z.string().meta({
    description: "`<provider>/<model>` the agent calls: its own, or the deployment's default.",
    examples: ['local/smollm2-135m-instruct', 'openai/gpt-4o-mini'],
  }),
  version: z
    .int()
    .min(1)
    .nullable()
    .meta({ description: "A custom agent's current version; null for builtins." }),
});

const agentList = named('AgentList', z.object({ workspace_id: uuid, agents: z.array(agent) }));

const listAgentsEndpoint = endpoint({
  method: 'get',
  path: '/agents',
  scope: 'agents',
  operationId: 'listAgents',
  summary: "List the agents the key's workspace can call",
  description:
    "Builtin agents first, then the workspace's custom agents by name. Each API process may serve a " +
    'listing up to AGENT_LIST_CACHE_MS (default 1 s) old.',
  responses: { 200: { description: "The workspace's agents.", schema: agentList } },
}).handledBy(async (ctx, _input, deps) => {
  const { workspaceId } = authOf(ctx);
  return { status: 200, body: { workspace_id: workspaceId, agents: await deps.agents.list(workspaceId) } };
});

/** Agent endpoints (scope `agents`). */
export const agentEndpoints = [listAgentsEndpoint];
