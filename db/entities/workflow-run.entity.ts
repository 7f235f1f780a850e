import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';
import type { RunStatus, TriggerMetadata } from '../../core/run-status.ts';
import type { JsonValue } from '../../core/run-status.ts';
import type { A2aOrigin } from '../../core/tasks/task-parts.ts';
import { RUN_STATUSES } from '../../core/run-status.ts';

/**
 * Which updates end a run: a final status written over another one. Spelled as Postgres prints it
 * back, so the schema diff compares it equal.
 */
export const RUN_ENDED_WHEN =
  "((new.status = ANY (ARRAY['success'::text, 'failed'::text, 'cancelled'::text])) AND (new.status IS DISTINCT FROM old.status))";
/** Notifies `dagen_run_ended` with the run id; sent when the writing transaction commits. */
export const RUN_ENDED_BODY = "perform pg_notify('dagen_run_ended', new.id::text); return null;";

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
  // Announces a run reaching a final status (domain/runs/run-end-watcher.ts listens).
  triggers: [
    {
      name: 'workflow_runs_notify_ended',
      timing: 'after',
      events: ['update'],
      when: RUN_ENDED_WHEN,
      body: RUN_ENDED_BODY,
    },
  ],
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
    /** Set when the run came over A2A: the client's message id and context id. */
    a2a: p.json<A2aOrigin>().nullable(),
    idempotencyKey: p.string().nullable(),
    idempotencyHash: p.string().nullable(),
    createdAt: createdAtColumn(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  },
});
