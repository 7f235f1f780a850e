import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { RECONCILER_SCHEDULE_ID, RECONCILE_WORKFLOW } from '../core/engine/reconcile-contract.ts';

/** How often the reconciler passes over stuck runs. */
export const RECONCILE_INTERVAL = '1 minute';

/**
 * Creates the `dagen-reconciler` Schedule on the client's namespace, or brings an existing one back
 * to this definition (a changed task queue or interval): idempotent, so every setup and start may
 * call it. A pass still running when the next is due is skipped, never stacked.
 */
export async function ensureReconcilerSchedule(client: Client, taskQueue: string): Promise<void> {
  const definition = {
    spec: { intervals: [{ every: RECONCILE_INTERVAL }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: RECONCILE_WORKFLOW,
      workflowId: RECONCILER_SCHEDULE_ID,
      taskQueue,
      args: [],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  };
  try {
    await client.schedule.create({ scheduleId: RECONCILER_SCHEDULE_ID, ...definition });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(RECONCILER_SCHEDULE_ID).update((previous) => ({
      ...previous,
      ...definition,
      policies: { ...previous.policies, ...definition.policies },
    }));
  }
}
