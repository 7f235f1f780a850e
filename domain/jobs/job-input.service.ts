import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { jobWorkflowId, provideJobInputUpdate, type JobInput } from '../../core/agents/turn-contract.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../../infra/services.ts';
import type { Caller } from '../tenants/caller.ts';
import { getJob } from './job-query.service.ts';

/** A job asked to continue while it waits for no input (409). */
export class JobNotWaitingError extends AppError {
  override readonly name = 'JobNotWaitingError';
  constructor(jobId: string, status: string) {
    super(409, `Job is ${status}; only a job waiting for input (input_required) can be continued`, {
      details: { job_id: jobId, status },
    });
  }
}

/**
 * Hands the caller's reply to a job waiting `input_required`: 404 outside the caller's workspace, 409
 * (JobNotWaitingError) when the job waits for nothing. Resolves once the reply is recorded and the job
 * is `running` again (the workflow's `provideJobInput` update), so a wait that follows sees it run.
 */
export async function continueJob(
  services: Services,
  caller: Caller,
  jobId: string,
  input: JobInput,
): Promise<void> {
  const job = await getJob(services.orm.em.fork(), caller.workspaceId, jobId);
  if (job.status !== 'input_required') throw new JobNotWaitingError(jobId, job.status);
  try {
    await services.temporal.client.workflow
      .getHandle(jobWorkflowId(jobId))
      .executeUpdate(provideJobInputUpdate, { args: [input] });
  } catch (err) {
    // Its validator refused (another reply came first, or the job ended meanwhile), or it is gone.
    if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) {
      const now = await getJob(services.orm.em.fork(), caller.workspaceId, jobId);
      throw new JobNotWaitingError(jobId, now.status);
    }
    throw err;
  }
}
