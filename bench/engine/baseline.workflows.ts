import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline.activities.ts';

/** The same activity options a plain Temporal user would pick for a light step. */
const STEP_TIMEOUT = '30 seconds';

const { double } = proxyActivities<BaselineActivities>({ startToCloseTimeout: STEP_TIMEOUT });
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: STEP_TIMEOUT });

/** Hand-written baseline for benchmark (1) and (2): one activity, result returned. */
export async function baselineOneStep(n: number): Promise<number> {
  return double(n);
}

/** Hand-written baseline for benchmark (3): `steps` activities one after another. */
export async function baselineChain(n: number, steps: number): Promise<number> {
  let value = n;
  for (let i = 0; i < steps; i++) value = await double(value % 1000);
  return value;
}

/**
 * What-if reference for the engine's shape (record start, run the node, record the end): `steps`
 * activities in a row, as regular activities or as local ones (which skip the server round trip).
 */
export async function engineShape(n: number, steps: number, useLocal: boolean): Promise<number> {
  const call = useLocal ? local.double : double;
  let value = n;
  for (let i = 0; i < steps; i++) value = await call(value % 1000);
  return value;
}
