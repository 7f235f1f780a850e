import { proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities, ReconcileSummary } from '../core/engine/reconcile-contract.ts';

/**
 * A pass describes every live run, 20 at a time: seconds for thousands of runs, so ten minutes is a
 * hang, not a slow pass. Few retries: the schedule starts the next pass a minute later anyway (and
 * skips it while this one still runs).
 */
const { reconcileStuckRuns } = proxyActivities<ReconcileActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3 },
});

/**
 * Started every minute by the `dagen-reconciler` Schedule: finishes runs whose execution was closed
 * or never existed while their row stayed live (see domain/runs/run-reconciler.ts).
 */
export async function reconcileRuns(): Promise<ReconcileSummary> {
  return reconcileStuckRuns();
}
