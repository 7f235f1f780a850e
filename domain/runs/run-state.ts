import type { InferEntity } from '@mikro-orm/core';
import { isTerminal, type RunStatus, type StepStatus } from '../../core/run-status.ts';
import { type RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { jsonParam } from '../../db/json-param.ts';
import type { EntityManager } from '../../db/orm.ts';

/**
 * The run and step state machines: the only code that changes a run's or a step's status, for the
 * API (start failures, cancel) and the activities (the engine's bookkeeping) alike. Every write is
 * conditional on the row being in a status the table allows to move to the target, so a late or
 * duplicate write (a retried activity, a cancel racing the last node) changes nothing.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  // Temporal refused the start (failed), or it was cancelled before a worker picked it up.
  pending: ['running', 'failed', 'cancelled'],
  running: ['success', 'failed', 'cancelled'],
  success: [],
  failed: [],
  cancelled: [],
};

export const STEP_TRANSITIONS: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  // Light nodes finish in one write, without ever being recorded running; a failed run fails or
  // cancels the steps it never reached.
  pending: ['running', 'success', 'failed', 'skipped', 'cancelled'],
  // A retry whose `when` no longer holds skips a step an earlier attempt had started.
  running: ['success', 'failed', 'skipped', 'cancelled'],
  success: [],
  failed: [],
  skipped: [],
  cancelled: [],
};

/**
 * The statuses from which a row may move to `to`. A live status may also be written again over
 * itself (a retried attempt updates its running step in place); a final one never.
 */
export function statusesLeadingTo<S extends string>(table: Readonly<Record<S, readonly S[]>>, to: S): S[] {
  const from = (Object.keys(table) as S[]).filter((s) => table[s].includes(to));
  return table[to].length > 0 ? [to, ...from] : from;
}

/** Whether a run in status `from` may move to `to`. */
export function canMoveRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

type RunRow = InferEntity<typeof WorkflowRun>;
type StepRow = InferEntity<typeof RunStep>;

/**
 * What may change together with a run's status. `idempotencyKey` only ever becomes null: a run whose
 * start was refused gives its key up in the same write that fails it.
 */
export type RunPatch = Partial<
  Pick<RunRow, 'startedAt' | 'outputData' | 'errorMessage' | 'finishedAt'> & { idempotencyKey: null }
>;
export type StepPatch = Partial<
  Pick<StepRow, 'attempt' | 'input' | 'output' | 'error' | 'startedAt' | 'finishedAt' | 'durationMs'>
>;

/**
 * Moves a run to `to` when the table allows it from its current status (narrowed further by `from`,
 * e.g. only a still-pending run may be failed by a refused start). A final status stamps
 * `finished_at`. Returns whether the row moved.
 */
export async function moveRun(
  em: EntityManager,
  runId: string,
  to: RunStatus,
  patch: RunPatch = {},
  from?: readonly RunStatus[],
): Promise<boolean> {
  const allowed = statusesLeadingTo(RUN_TRANSITIONS, to);
  const sources = from ? allowed.filter((s) => from.includes(s)) : allowed;
  const stamp = isTerminal(to) ? { finishedAt: patch.finishedAt ?? new Date() } : {};
  const moved = await em.nativeUpdate(
    WorkflowRun,
    { id: runId, status: { $in: sources } },
    { ...patch, ...stamp, status: to },
  );
  return moved > 0;
}

/**
 * Takes `key` off the run if it still holds it (an expired Idempotency-Key), leaving its status
 * alone. Here with the status writes so that this module stays the one writer of run rows.
 */
export async function releaseIdempotencyKey(em: EntityManager, runId: string, key: string): Promise<void> {
  await em.nativeUpdate(WorkflowRun, { id: runId, idempotencyKey: key }, { idempotencyKey: null });
}

/** Moves the named steps of a run to `to` where the table allows it. Returns how many moved. */
export function moveSteps(
  em: EntityManager,
  runId: string,
  nodeIds: readonly string[],
  to: StepStatus,
  patch: StepPatch = {},
): Promise<number> {
  if (nodeIds.length === 0) return Promise.resolve(0);
  return updateSteps(em, runId, nodeIds, statusesLeadingTo(STEP_TRANSITIONS, to), { ...patch, status: to });
}

/** Statuses a step can still leave: writes of its attempt, input or error apply only to these. */
const LIVE_STEP_STATUSES: readonly StepStatus[] = (Object.keys(STEP_TRANSITIONS) as StepStatus[]).filter(
  (s) => STEP_TRANSITIONS[s].length > 0,
);

/** Updates a live step's fields without moving it (an attempt's input or error). */
export async function patchLiveStep(
  em: EntityManager,
  runId: string,
  nodeId: string,
  patch: StepPatch,
): Promise<boolean> {
  return (await updateSteps(em, runId, [nodeId], LIVE_STEP_STATUSES, patch)) > 0;
}

const STEP_COLUMNS: Readonly<Record<keyof StepPatch | 'status', string>> = {
  status: 'status',
  attempt: 'attempt',
  input: 'input',
  output: 'output',
  error: 'error',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  durationMs: 'duration_ms',
};
const JSON_COLUMNS: ReadonlySet<string> = new Set(['input', 'output']);

/**
 * One plain UPDATE of the named steps still in one of `from`: every node's step goes through here,
 * and the ORM's update path costs it a third again. JSON columns are written as the ORM writes them
 * (text, a null staying SQL null); an undefined field is left alone. Returns how many rows changed.
 */
async function updateSteps(
  em: EntityManager,
  runId: string,
  nodeIds: readonly string[],
  from: readonly StepStatus[],
  patch: StepPatch & { status?: StepStatus },
): Promise<number> {
  const fields = Object.entries(patch).filter(([, value]) => value !== undefined);
  if (fields.length === 0) return 0;
  const sets = fields.map(([field]) => `${STEP_COLUMNS[field as keyof typeof STEP_COLUMNS]} = ?`);
  const values = fields.map(([field, value]) => (JSON_COLUMNS.has(field) ? jsonParam(value) : value));
  const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  const result = await em.getConnection().execute<{ affectedRows: number }>(
    `update run_steps set ${sets.join(', ')}
      where run_id = ? and node_id in (${marks(nodeIds.length)}) and status in (${marks(from.length)})`,
    [...values, runId, ...nodeIds, ...from],
    'run',
  );
  return result.affectedRows;
}

/**
 * Closes every live step of a run as `cancelled` (the run failed or was cancelled), each with the
 * time it ran so far. One statement, so no step can slip between reading and writing.
 */
export async function cancelLiveSteps(em: EntityManager, runId: string, now: Date): Promise<void> {
  const sources = statusesLeadingTo(STEP_TRANSITIONS, 'cancelled');
  await em.getConnection().execute(
    `update run_steps set status = 'cancelled', finished_at = ?,
       duration_ms = case when started_at is null then null
                          else (extract(epoch from (?::timestamptz - started_at)) * 1000)::int end
     where run_id = ? and status in (${sources.map(() => '?').join(', ')})`,
    [now, now, runId, ...sources],
    'run',
  );
}

/**
 * Records cancelled a run that never started (a child run whose parent node was cancelled before
 * the child's workflow began): only while it is still pending, so it has no steps yet. Returns
 * whether it moved.
 */
export function recordUnstartedRunCancelled(em: EntityManager, runId: string): Promise<boolean> {
  return moveRun(em, runId, 'cancelled', {}, ['pending']);
}

/**
 * Records a run cancelled with all its live steps: the engine's path and the API's fallback.
 * Returns whether the run moved.
 */
export async function recordRunCancelled(em: EntityManager, runId: string): Promise<boolean> {
  const now = new Date();
  await cancelLiveSteps(em, runId, now);
  return moveRun(em, runId, 'cancelled', { finishedAt: now });
}
