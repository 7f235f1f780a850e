import type { FilterQuery, InferEntity } from '@mikro-orm/core';
import { NotFoundError } from '../../core/errors.ts';
import type { JobStatus } from '../../core/run-status.ts';
import { Job } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { keysetPage, olderThanCursor } from '../runs/run-cursor.ts';
import { LIST_LIMIT_DEFAULT } from '../runs/run-query.service.ts';
import {
  type JobSource,
  jobSummaryView,
  type JobSummaryView,
  type JobView,
  loadJobUsage,
  loadJobView,
} from './job-view.ts';

type JobRow = InferEntity<typeof Job>;

/** The job with its steps and usage, or 404 when it is not in the workspace. */
export async function getJob(em: EntityManager, workspaceId: string, jobId: string): Promise<JobView> {
  const view = await loadJobView(em, workspaceId, jobId);
  if (!view) throw new NotFoundError('Job');
  return view;
}

/** Which jobs a listing wants; every field optional. */
export interface JobListFilter {
  agentId?: string | undefined;
  status?: JobStatus | undefined;
  source?: JobSource | undefined;
  /** A `next_cursor` from an earlier page. */
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface JobPage {
  jobs: JobSummaryView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/**
 * The workspace's jobs, newest first, paged by the same opaque keyset cursor over (created_at, id) as
 * run listings (a cursor is a position, so both lists can share its encoding).
 */
export async function listJobs(em: EntityManager, workspaceId: string, q: JobListFilter): Promise<JobPage> {
  const limit = q.limit ?? LIST_LIMIT_DEFAULT;
  const where: FilterQuery<JobRow> = { workspaceId };
  if (q.agentId) where.agentId = q.agentId;
  if (q.status) where.status = q.status;
  if (q.source) where.source = q.source;
  if (q.cursor) Object.assign(where, olderThanCursor(q.cursor));
  const rows = await em.find(Job, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 });
  const { page, nextCursor } = keysetPage(rows, limit);
  const usage = await loadJobUsage(
    em,
    page.map((j) => j.id),
  );
  return { jobs: page.map((j) => jobSummaryView(j, usage.get(j.id))), next_cursor: nextCursor };
}
