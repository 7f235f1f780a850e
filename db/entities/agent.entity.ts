import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from './common.ts';

/** A workspace's custom agent; builtin agents live in code, not in this table. */
export const Agent = defineEntity({
  name: 'Agent',
  tableName: 'agents',
  uniques: [{ properties: ['workspaceId', 'name'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    name: p.string(),
    description: p.text().default(''),
    systemPrompt: p.text().default(''),
    modelId: p.string().nullable(),
    config: p.json<Record<string, unknown>>().default('{}'),
    /** The version new jobs use; every saved version stays in agent_versions. */
    currentVersion: p.integer().default(1),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
