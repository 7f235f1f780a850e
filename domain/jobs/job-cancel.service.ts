import { jobWorkflowId } from '../../core/agents/turn-contract.ts';
import { BadRequestError } from '../../core/errors.ts';
import type { JobStatus } from '../../core/run-status.ts';
import type { Services } from '../../infra/services.ts';
import { canMoveRun } from '../runs/run-state.ts';
import { cancelWorkflowAndSettle } from '../runs/workflow-cancel.ts';
import { TaskPushNotifier } from '../tasks/push-notifier.ts';
import { getJob } from './job-query.service.ts';
import { JobStore } from './job-store.ts';
import type { JobView } from './job-view.ts';

/**
 * Cancels a pending or running job (else 400 naming its status) and returns it once the turn has
 * recorded the outcome, like a run's cancel: Temporal is asked to cancel `job:<id>`, then the request
 * awaits the workflow's close (no polling). The answer shows what really happened: `cancelled`, or the
 * status the job reached first. A job whose workflow does not exist (never started) or that is still
 * pending after CANCEL_SETTLE_MS has no worker to end it: it is recorded `cancelled` here, with a
 * conditional update so a turn that ended meanwhile keeps its own outcome. A job still running then is
 * returned as is (the route answers 202).
 */
export async function cancelJob(services: Services, workspaceId: string, jobId: string): Promise<JobView> {
  const em = services.orm.em.fork();
  const before = await getJob(em, workspaceId, jobId);
  // A job waiting for input is still live: it cancels like a running one.
  const live = before.status === 'input_required' ? 'running' : before.status;
  if (!canMoveRun(live, 'cancelled')) {
    throw new BadRequestError(
      `Job is ${before.status}; only pending, running or input_required jobs can be cancelled`,
    );
  }
  const request = await cancelWorkflowAndSettle(services.temporal.client, jobWorkflowId(jobId));
  const after = await getJob(em, workspaceId, jobId);
  if (
    after.status === 'pending' ||
    (!request.exists && (after.status === 'running' || after.status === 'input_required'))
  ) {
    // No worker has the turn (or its workflow is gone): nothing else will ever record its end.
    await request.terminate('cancelled before a worker picked the job up');
    const from: JobStatus[] = request.exists ? ['pending'] : ['pending', 'running', 'input_required'];
    const moved = await new JobStore(em).finish(jobId, { status: 'cancelled' }, from);
    await new TaskPushNotifier(services).notify({
      taskKind: 'job',
      taskId: jobId,
      status: 'cancelled',
      moved,
    });
    return getJob(em, workspaceId, jobId);
  }
  return after;
}
