import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from './common.ts';

export const WORKFLOW_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** The current version of a user-defined workflow; older versions live in workflow_versions. */
export const WorkflowDefinition = defineEntity({
  name: 'WorkflowDefinition',
  tableName: 'workflow_definitions',
  uniques: [{ properties: ['workspaceId', 'name'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    name: p.string(),
    description: p.text().default(''),
    status: p.enum(WORKFLOW_STATUSES).default('draft'),
    version: p.integer().default(1),
    graph: p.json<Record<string, unknown>>(),
    inputSchema: p.json<Record<string, unknown>>().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
    lastRunAt: p.datetime().nullable(),
  },
});
