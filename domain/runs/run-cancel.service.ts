import { BadRequestError } from '../../core/errors.ts';
import type { Services } from '../../infra/services.ts';
import { TaskPushNotifier } from '../tasks/push-notifier.ts';
import { getRun } from './run-query.service.ts';
import { canMoveRun, recordRunCancelled } from './run-state.ts';
import type { RunView } from './run-view.ts';
import { runWorkflowId } from './run-wait.ts';
import { cancelWorkflowAndSettle } from './workflow-cancel.ts';

/**
 * Cancels a pending or running run (else 400 naming its status) and returns it once the engine has
 * recorded the outcome: the request asks Temporal to cancel `run:<id>`, then awaits the workflow's
 * close (no polling). The returned run shows what really happened: `cancelled`, or the terminal
 * status the run reached first. A run still pending after CANCEL_SETTLE_MS was never picked up by a
 * worker: its workflow is terminated and the row recorded `cancelled` here. A run still running then
 * is returned as is (the route answers 202).
 */
export async function cancelRun(services: Services, workspaceId: string, runId: string): Promise<RunView> {
  const em = services.orm.em.fork();
  const before = await getRun(em, workspaceId, runId);
  if (!canMoveRun(before.status, 'cancelled')) {
    throw new BadRequestError(`Run is ${before.status}; only pending or running runs can be cancelled`);
  }
  const request = await cancelWorkflowAndSettle(services.temporal.client, runWorkflowId(runId));
  const after = await getRun(em, workspaceId, runId);
  if (after.status === 'pending' || (!request.exists && after.status === 'running')) {
    // No worker has the run (or its workflow is gone): nothing else will ever record its end.
    await request.terminate('cancelled before a worker picked the run up');
    const moved = await recordRunCancelled(em, runId);
    await new TaskPushNotifier(services).notify({
      taskKind: 'run',
      taskId: runId,
      status: 'cancelled',
      moved,
    });
    return getRun(em, workspaceId, runId);
  }
  return after;
}
