import { ApplicationFailure } from '@temporalio/common';
import { defineNodeType } from './node-type.ts';

export const agentNode = defineNodeType({
  type: 'agent',
  description: 'Runs one agent turn (fails with "agent runtime not available" until the runtime ships).',
  with: {
    agent_id: { kind: 'string', required: true },
    message: { kind: 'string', required: true },
    model_id: { kind: 'string' },
  },
  execution: 'activity',
  retry: true,
  // Placeholder until the agent runtime replaces this executor.
  async execute(input) {
    throw ApplicationFailure.nonRetryable(
      `agent runtime not available: agent "${String(input.agent_id)}" cannot run yet in this dagen version`,
      'AgentRuntimeUnavailable',
    );
  },
});
