import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';
import type { RunStatus, TriggerMetadata } from '../../core/run-status.ts';
import type { JsonValue } from '../../core/run-status.ts';
import { RUN_STATUSES } from '../../core/run-status.ts';

/** One execution of a workflow version; its Temporal workflow id is `run:<id>`. */
export const WorkflowRun = defineEntity({
  name: 'WorkflowRun',
  tableName: 'workflow_runs',
  indexes: [
    { properties: ['workspaceId', 'createdAt'] },
    { properties: ['workflowId', 'createdAt'] },
    // Counts a workspace's live runs against WORKSPACE_MAX_ACTIVE_RUNS.
    { properties: ['workspaceId', 'status'] },
  ],
  uniques: [{ properties: ['workspaceId', 'idempotencyKey'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    workflowId: p.uuid(),
    workflowVersion: p.integer(),
    status: p.enum(RUN_STATUSES).$type<RunStatus>().default('pending'),
    inputData: p.json<JsonValue>().nullable(),
    outputData: p.json<JsonValue>().nullable(),
    errorMessage: p.text().nullable(),
    trigger: p.json<TriggerMetadata>(),
    idempotencyKey: p.string().nullable(),
    idempotencyHash: p.string().nullable(),
    createdAt: createdAtColumn(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  },
});
