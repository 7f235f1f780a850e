import type { InferEntity } from '@mikro-orm/core';
import type { WorkflowRun } from '../../db/entities/index.ts';
import { jsonParam } from '../../db/json-param.ts';
import type { EntityManager } from '../../db/orm.ts';
import { RunSlotFree } from '../../db/routines.ts';

type RunRow = InferEntity<typeof WorkflowRun>;

/**
 * Inserts a run row unless its workspace already has `maxActive` runs `pending` or `running` (child
 * runs included), in one statement: `RunSlotFree` (db/routines.ts) serializes the inserts of one
 * workspace and counts after taking the lock, so concurrent inserts never overshoot the cap.
 * A row with the same id already there is left alone (a retried child insert). Returns whether this
 * call inserted the row; a unique Idempotency-Key clash still throws, as a plain insert would.
 */
export async function insertRunWithinLimit(
  em: EntityManager,
  run: RunRow,
  maxActive: number,
  options: {
    /**
     * Insert only while the run's workflow is active at the run's version in its workspace: a start
     * that read a cached, possibly stale head (DefinitionHeads) never adds a run of a paused, changed
     * or deleted workflow.
     */
    activeVersionOnly?: boolean;
  } = {},
): Promise<boolean> {
  const current = options.activeVersionOnly
    ? ` and exists (select 1 from workflow_definitions
                     where id = ? and workspace_id = ? and version = ? and status = 'active')`
    : '';
  const rows = await em.execute<{ id: string }[]>(
    `insert into workflow_runs (id, workspace_id, workflow_id, workflow_version, status, input_data,
       output_data, error_message, trigger, a2a, idempotency_key, idempotency_hash, created_at, started_at,
       finished_at)
     select ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?
      where ${RunSlotFree.name}(?, ?)${current}
     on conflict (id) do nothing
     returning id`,
    [
      run.id,
      run.workspaceId,
      run.workflowId,
      run.workflowVersion,
      run.status,
      jsonParam(run.inputData),
      jsonParam(run.outputData),
      run.errorMessage,
      jsonParam(run.trigger),
      run.a2a ? jsonParam(run.a2a) : null,
      run.idempotencyKey,
      run.idempotencyHash,
      run.createdAt,
      run.startedAt,
      run.finishedAt,
      run.workspaceId,
      maxActive,
      ...(options.activeVersionOnly ? [run.workflowId, run.workspaceId, run.workflowVersion] : []),
    ],
  );
  return rows.length > 0;
}
