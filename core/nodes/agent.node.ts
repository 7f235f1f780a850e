import { defineNodeType } from './node-type.ts';

/** A turn may call tools and the model several times: more room than a plain HTTP call. */
const AGENT_TIMEOUT_SECONDS = 600;

export const agentNode = defineNodeType({
  type: 'agent',
  description:
    "Runs one agent turn (a job of its own, billed to the run's owner); the output is { message, job_id, model }.",
  with: {
    agent_id: { kind: 'string', required: true },
    message: { kind: 'string', required: true },
    model_id: { kind: 'string' },
  },
  execution: 'activity',
  retry: true,
  defaultTimeoutSeconds: () => AGENT_TIMEOUT_SECONDS,
  async execute(input, ctx) {
    return ctx.agent.run({
      agentId: String(input.agent_id),
      message: String(input.message),
      modelId: input.model_id === undefined ? undefined : String(input.model_id),
    });
  },
});
