import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline.activities.ts';

/** The same activity options a plain Temporal user would pick for a light step. */
const STEP_TIMEOUT = '30 seconds';

const { double } = proxyActivities<BaselineActivities>({ startToCloseTimeout: STEP_TIMEOUT });

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
