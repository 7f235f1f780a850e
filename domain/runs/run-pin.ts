import type { RunStatus } from '../../core/run-status.ts';
import type { EntityManager } from '../../db/orm.ts';

/** A run's status and the version it is pinned to (`versionId` null: that version does not exist). */
export interface RunPin {
  status: RunStatus;
  workflowId: string;
  workflowVersion: number;
  versionId: string | null;
}

interface RunPinRow {
  status: RunStatus;
  workflow_id: string;
  workflow_version: number;
  version_id: string | null;
}

/**
 * In one query: the run's status and the id of its pinned version, without the version's graph
 * (the worker keeps checked graphs by version id, so a run's start reads it only on a miss).
 * Undefined: no such run.
 */
export async function readRunPin(em: EntityManager, runId: string): Promise<RunPin | undefined> {
  const [row] = await em.getConnection().execute<RunPinRow[]>(
    `select r.status, r.workflow_id, r.workflow_version, v.id as version_id
       from workflow_runs r
       left join workflow_versions v on v.workflow_id = r.workflow_id and v.version = r.workflow_version
      where r.id = ?`,
    [runId],
    'all',
  );
  if (!row) return undefined;
  return {
    status: row.status,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    versionId: row.version_id,
  };
}
