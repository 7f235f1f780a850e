import type { InferEntity } from '@mikro-orm/core';
import type { FilterQuery } from '@mikro-orm/core';
import { NotFoundError } from '../../core/errors.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { RunStatus } from '../../core/run-status.ts';
import { keysetPage, olderThanCursor } from './run-cursor.ts';
import { loadRunView, runSummaryView, type RunSummaryView, type RunView } from './run-view.ts';

type RunRow = InferEntity<typeof WorkflowRun>;

/** The run with its steps, or 404 when it is not in the workspace. */
export async function getRun(em: EntityManager, workspaceId: string, runId: string): Promise<RunView> {
  const view = await loadRunView(em, workspaceId, runId);
  if (!view) throw new NotFoundError('Run');
  return view;
}

/** Which runs a listing wants; every field optional. */
export interface RunListFilter {
  workflowId?: string | undefined;
  status?: RunStatus | undefined;
  /** A `next_cursor` from an earlier page. */
  cursor?: string | undefined;
  limit?: number | undefined;
}

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

export interface RunPage {
  runs: RunSummaryView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/** The workspace's runs, newest first, paged by an opaque keyset cursor over (created_at, id). */
export async function listRuns(em: EntityManager, workspaceId: string, q: RunListFilter): Promise<RunPage> {
  const limit = q.limit ?? LIST_LIMIT_DEFAULT;
  const where: FilterQuery<RunRow> = { workspaceId };
  if (q.workflowId) where.workflowId = q.workflowId;
  if (q.status) where.status = q.status;
  if (q.cursor) Object.assign(where, olderThanCursor(q.cursor));
  const rows = await em.find(WorkflowRun, where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: limit + 1,
  });
  const { page, nextCursor } = keysetPage(rows, limit);
  return { runs: page.map(runSummaryView), next_cursor: nextCursor };
}
