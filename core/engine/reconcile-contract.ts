// The contract between the reconciler workflow and its activity (workflows import it as types only).

/**
 * What one reconciliation pass found and did (see domain/runs/run-reconciler.ts): `open` rows have
 * a live execution and were left alone; `settled` ones became final between the listing and the
 * write (the engine was first); `unknown` ones could not be described and wait for the next pass.
 */
export interface ReconcileSummary {
  checked: number;
  open: number;
  failed: number;
  cancelled: number;
  settled: number;
  unknown: number;
}

/** The Temporal Schedule that starts the reconciler workflow, and that workflow's type. */
export const RECONCILER_SCHEDULE_ID = 'dagen-reconciler';
export const RECONCILE_WORKFLOW = 'reconcileRuns';

export interface ReconcileActivities {
  reconcileStuckRuns(): Promise<ReconcileSummary>;
}
