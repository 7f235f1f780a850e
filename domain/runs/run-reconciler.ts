import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ReconcileSummary } from '../../core/engine/reconcile-contract.ts';
import type { RunStatus } from '../../core/run-status.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager, MikroORM } from '../../db/orm.ts';
import type { Logger } from '../../infra/logger.ts';
import { cancelLiveSteps, moveRun } from './run-state.ts';
import { runWorkflowId } from './run-wait.ts';

/**
 * A live row younger than this is left alone: a `pending` row may be between its insert and its
 * workflow's start (the API is still in the request), and a fresh `running` row is being written.
 */
export const RECONCILE_GRACE_MS = 60_000;
/** Rows read per page: a pass walks every live row, a page at a time, so memory stays bounded. */
const PAGE_SIZE = 500;
/** Describes in flight at once, so a pass never floods the frontend. */
const DESCRIBE_BATCH = 20;

export interface ReconcileOptions {
  graceMs?: number;
  /** The pass's clock, against which the grace is measured; the current time by default. */
  now?: Date;
  /** Told about each row whose execution could not be described (the pass goes on without it). */
  log?: Logger;
}

/** How a live row's execution stands on Temporal. */
type ExecutionState = 'open' | 'missing' | 'terminated' | 'timed_out' | 'canceled' | 'closed';

/** The end a run gets when its execution is closed (or gone) but its row is still live. */
function reconcileOutcome(
  row: RunStatus,
  execution: Exclude<ExecutionState, 'open'>,
): { to: 'failed' | 'cancelled'; message?: string } {
  switch (execution) {
    case 'terminated':
      return { to: 'failed', message: 'The workflow execution was terminated outside dagen' };
    case 'timed_out':
      return { to: 'failed', message: 'The workflow execution timed out' };
    case 'canceled':
      return { to: 'cancelled' };
    case 'closed':
      return { to: 'failed', message: 'The workflow execution closed without recording the run’s end' };
    case 'missing':
      // A pending row with no execution past the grace: the API stopped between the insert and
      // the start, so its caller got no run and may retry. Failing it (and releasing its
      // Idempotency-Key, as a refused start does) is safer than starting it now: a late start
      // would run the work, with its side effects, beside the caller's retry.
      return row === 'pending'
        ? { to: 'failed', message: 'The run was never started on the workflow engine' }
        : { to: 'failed', message: 'The workflow execution no longer exists' };
  }
}

/**
 * One reconciliation pass: every `pending`/`running` row older than the grace whose `run:<id>`
 * execution is closed or missing is finished here, since nothing else ever will be (a terminate from
 * the Temporal UI runs no dagen code). Writes go through the state machine, so a row the engine
 * finished meanwhile is left as the engine wrote it.
 */
export async function reconcileRuns(
  orm: MikroORM,
  client: Client,
  options: ReconcileOptions = {},
): Promise<ReconcileSummary> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - (options.graceMs ?? RECONCILE_GRACE_MS));
  const em = orm.em.fork();
  const result: ReconcileSummary = { checked: 0, open: 0, failed: 0, cancelled: 0, settled: 0, unknown: 0 };
  // Paged by id (not by age): long-running open runs must not hide the stuck rows behind them.
  let after: string | undefined;
  for (;;) {
    const rows = await em.find(
      WorkflowRun,
      {
        status: { $in: ['pending', 'running'] },
        createdAt: { $lt: cutoff },
        ...(after ? { id: { $gt: after } } : {}),
      },
      { fields: ['id', 'status'], orderBy: { id: 'asc' }, limit: PAGE_SIZE, disableIdentityMap: true },
    );
    for (let i = 0; i < rows.length; i += DESCRIBE_BATCH) {
      const batch = rows.slice(i, i + DESCRIBE_BATCH);
      const states = await Promise.allSettled(batch.map((row) => executionState(client, row.id)));
      for (const [j, row] of batch.entries()) {
        const state = states[j]!;
        // One execution that cannot be described must not stop the pass: the next pass tries it again.
        if (state.status === 'rejected') {
          result.unknown++;
          const { name, code } = (state.reason ?? {}) as { name?: unknown; code?: unknown };
          options.log?.warn({ runId: row.id, error: name, code }, 'reconciler could not describe a run');
        } else if (state.value === 'open') result.open++;
        else result[await finishRun(em, row.id, row.status, state.value)]++;
      }
    }
    result.checked += rows.length;
    if (rows.length < PAGE_SIZE) break;
    after = rows[rows.length - 1]!.id;
  }
  return result;
}

async function executionState(client: Client, runId: string): Promise<ExecutionState> {
  try {
    const { status } = await client.workflow.getHandle(runWorkflowId(runId)).describe();
    switch (status.name) {
      case 'RUNNING':
        return 'open';
      case 'TERMINATED':
        return 'terminated';
      case 'TIMED_OUT':
        return 'timed_out';
      case 'CANCELLED':
        return 'canceled';
      default:
        return 'closed';
    }
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'missing';
    throw err;
  }
}

/**
 * Writes the run's end unless it is final already. The row is read again first: a completed or
 * failed workflow writes its row before it closes, so a row still live then is really stuck.
 */
async function finishRun(
  em: EntityManager,
  runId: string,
  listed: RunStatus,
  state: Exclude<ExecutionState, 'open'>,
): Promise<'failed' | 'cancelled' | 'settled'> {
  const current = await em.findOne(
    WorkflowRun,
    { id: runId },
    { fields: ['status'], disableIdentityMap: true },
  );
  const status = current?.status ?? listed;
  if (status !== 'pending' && status !== 'running') return 'settled';
  const { to, message } = reconcileOutcome(status, state);
  const at = new Date();
  await cancelLiveSteps(em, runId, at);
  const patch = message ? { errorMessage: message, finishedAt: at } : { finishedAt: at };
  const released = state === 'missing' && status === 'pending' ? { idempotencyKey: null } : {};
  const moved = await moveRun(em, runId, to, { ...patch, ...released }, [status]);
  return moved ? to : 'settled';
}
