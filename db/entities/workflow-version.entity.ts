import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** An immutable saved version of a workflow definition; a run executes exactly one of these. */
export const WorkflowVersion = defineEntity({
  name: 'WorkflowVersion',
  tableName: 'workflow_versions',
  uniques: [{ properties: ['workflowId', 'version'] }],
  properties: {
    id: idColumn(),
    workflowId: p.uuid(),
    version: p.integer(),
    graph: p.json<Record<string, unknown>>(),
    inputSchema: p.json<Record<string, unknown>>().nullable(),
    createdAt: createdAtColumn(),
  },
});
