import type { Task, TaskState } from '@a2a-js/sdk';
import { JOB_STATUSES } from '../../core/run-status.ts';
import { Job, WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { decodeRunCursor, encodeRunCursor } from '../runs/run-cursor.ts';
import { taskStateOf } from './task-state.ts';
import { jobTask, runTask, type TaskKind } from './task-view.ts';

/** Which tasks a listing wants. */
export interface TaskListQuery {
  /** Only tasks of these kinds (those the caller's key may see). */
  readonly kinds: readonly TaskKind[];
  readonly contextId?: string | undefined;
  /** Only tasks in this state. */
  readonly state?: TaskState | undefined;
  /** Only tasks whose status changed after this instant. */
  readonly statusAfter?: Date | undefined;
  readonly pageSize: number;
  /** A `nextPageToken` from an earlier page. */
  readonly pageToken?: string | undefined;
  readonly includeArtifacts: boolean;
}

export interface TaskPage {
  readonly tasks: Task[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
  /** Tasks matching the filters, over all pages. */
  readonly totalSize: number;
}

/**
 * Jobs and runs of the workspace as one list, in the protocol's view: a job's context is its
 * session's (see contextIdOf), a run's the client's or its own id. Jobs an agent node of a run
 * made are part of that run, not tasks of their own here. Times are cut to milliseconds, as the
 * cursor holds them, so a page boundary never repeats a row.
 */
const MATCHING_SQL = `with tasks as (
    select j.id, date_trunc('milliseconds', j.created_at) as created_at, 'job' as kind, j.status,
           coalesce(s.context_id, j.a2a->>'context_id', j.session_id::text, j.id::text) as context_id,
           coalesce(j.finished_at, j.started_at, j.created_at) as status_at
      from jobs j left join chat_sessions s on s.id = j.session_id
     where j.workspace_id = ? and j.source <> 'workflow'
    union all
    select r.id, date_trunc('milliseconds', r.created_at), 'run', r.status, coalesce(r.a2a->>'context_id', r.id::text),
           coalesce(r.finished_at, r.started_at, r.created_at)
      from workflow_runs r where r.workspace_id = ?
  ), matching as (
    select * from tasks
     where kind = any(?::text[])
       and (?::text is null or context_id = ?)
       and (?::text[] is null or status = any(?::text[]))
       and (?::timestamptz is null or status_at > ?)
  )`;

/**
 * One page of the workspace's tasks, newest first, keyset-paged over (created_at, id) with the run
 * listing's opaque cursor (400 for a token of another shape).
 */
export async function listTasks(em: EntityManager, workspaceId: string, q: TaskListQuery): Promise<TaskPage> {
  const after = q.pageToken ? decodeRunCursor(q.pageToken) : undefined;
  const statuses =
    q.state === undefined ? null : `{${JOB_STATUSES.filter((s) => taskStateOf(s) === q.state).join(',')}}`;
  const statusAfter = q.statusAfter?.toISOString() ?? null;
  const rows = await em
    .getConnection()
    .execute<{ id: string; kind: 'job' | 'run'; created_at: Date; total: string }[]>(
      `${MATCHING_SQL}
     select id, kind, created_at, (select count(*) from matching) as total from matching
      where ?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid)
      order by created_at desc, id desc limit ?`,
      [
        workspaceId,
        workspaceId,
        `{${q.kinds.join(',')}}`,
        q.contextId ?? null,
        q.contextId ?? null,
        statuses,
        statuses,
        statusAfter,
        statusAfter,
        after?.createdAt.toISOString() ?? null,
        after?.createdAt.toISOString() ?? null,
        after?.id ?? null,
        q.pageSize + 1,
      ],
    );
  const page = rows.slice(0, q.pageSize);
  const [jobs, runs] = await Promise.all([
    em.fork().find(Job, { id: { $in: page.filter((r) => r.kind === 'job').map((r) => r.id) } }),
    em.fork().find(WorkflowRun, { id: { $in: page.filter((r) => r.kind === 'run').map((r) => r.id) } }),
  ]);
  const byId = new Map<string, Task>(runs.map((r) => [r.id, runTask(r)]));
  for (const task of await Promise.all(jobs.map((j) => jobTask(em, j)))) byId.set(task.id, task);
  const tasks = page.flatMap((r) => {
    const task = byId.get(r.id);
    if (!task) return [];
    return [q.includeArtifacts ? task : { ...task, artifacts: [] }];
  });
  const last = page.at(-1);
  return {
    tasks,
    nextPageToken:
      rows.length > q.pageSize && last
        ? encodeRunCursor({ createdAt: new Date(last.created_at), id: last.id })
        : '',
    totalSize: Number(rows[0]?.total ?? 0),
  };
}
