import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline.activities.ts';

/** The same activity options a plain Temporal user would pick for a light step. */
const STEP_TIMEOUT = '30 seconds';

const remote = proxyActivities<BaselineActivities>({ startToCloseTimeout: STEP_TIMEOUT });
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: STEP_TIMEOUT });

/**
 * The best hand-written equivalent of a `steps`-node sequential transform DAG: one local activity
 * per step (as dagen runs transforms), nothing recorded beyond Temporal's history.
 */
export async function baselineLocalChain(n: number, steps: number): Promise<number> {
  let value = n;
  for (let i = 0; i < steps; i++) value = await local.double(value % 1000);
  return value;
}

/**
 * The same, keeping what dagen keeps: the run's row (start, end) and one row per step in Postgres,
 * each write in the step's own local activity. The fair reference for dagen's wait and per-step cost.
 */
export async function baselineRecordedChain(n: number, steps: number): Promise<number> {
  const runId = workflowInfo().workflowId;
  await local.recordStart(runId);
  let value = n;
  for (let i = 0; i < steps; i++) value = await local.recordedDouble(runId, i, value % 1000);
  await local.recordEnd(runId, value);
  return value;
}

/** What-if reference: the same chain with regular activities (each a server round trip). */
export async function baselineRemoteChain(n: number, steps: number): Promise<number> {
  let value = n;
  for (let i = 0; i < steps; i++) value = await remote.double(value % 1000);
  return value;
}
