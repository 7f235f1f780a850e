import { proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities, ReconcileSummary } from '../core/engine/reconcile-contract.ts';

/**
 * One pass is bounded (a few hundred rows): a minute covers it with room to spare. No retries
 * beyond a few: the schedule starts the next pass a minute later anyway.
 */
const { reconcileStuckRuns } = proxyActivities<ReconcileActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/**
 * Started every minute by the `dagen-reconciler` Schedule: finishes runs whose execution was closed
 * or never existed while their row stayed live (see domain/runs/run-reconciler.ts).
 */
export async function reconcileRuns(): Promise<ReconcileSummary> {
  return reconcileStuckRuns();
}
