import { defineEntity, p } from '@mikro-orm/core';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import { createdAtColumn, idColumn } from './common.ts';

/** One saved version of a custom agent; a job is pinned to the version it started with. */
export const AgentVersion = defineEntity({
  name: 'AgentVersion',
  tableName: 'agent_versions',
  uniques: [{ properties: ['agentId', 'version'] }],
  properties: {
    id: idColumn(),
    agentId: p.uuid(),
    workspaceId: p.uuid(),
    version: p.integer(),
    spec: p.json<AgentSpec>(),
    createdAt: createdAtColumn(),
  },
});
