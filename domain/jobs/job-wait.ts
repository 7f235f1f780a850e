import { jobWorkflowId, type JobEvent } from '../../core/agents/turn-contract.ts';
import { isTerminal, type JobStatus } from '../../core/run-status.ts';
import type { Services } from '../../infra/services.ts';
import { JobStore } from './job-store.ts';

/** A status a waiting caller answers at: the job ended, or it asks the caller something. */
function settles(status: JobStatus): boolean {
  return status === 'input_required' || isTerminal(status);
}

/**
 * Resolves true once the job is final or `input_required`, false when `stop` aborts first. It listens
 * to the job's live events before it reads the row once, so a change between the two is not missed;
 * the workflow's result settles it too (live events are best effort, the workflow's end is not).
 */
export async function awaitJobSettled(
  services: Services,
  jobId: string,
  stop: AbortSignal,
): Promise<boolean> {
  if (stop.aborted) return false;
  let settle: (settled: boolean) => void = () => undefined;
  const settled = new Promise<boolean>((resolve) => (settle = resolve));
  const onStop = () => settle(false);
  stop.addEventListener('abort', onStop, { once: true });
  const unsubscribe = await services.events.subscribe(jobWorkflowId(jobId), (event) => {
    const e = event as JobEvent;
    if (e.type === 'status' && settles(e.status)) settle(true);
  });
  // Ends the wait on the workflow's result (a long poll) once this wait is over.
  const done = new AbortController();
  try {
    const { client } = services.temporal;
    client
      .withAbortSignal(done.signal, () => client.workflow.getHandle(jobWorkflowId(jobId)).result())
      // However it ended (a failed or cancelled turn rejects), its job row was written first.
      .then(
        () => settle(true),
        () => settle(true),
      );
    const row = await new JobStore(services.orm.em.fork()).outcome(jobId);
    if (!row || settles(row.status)) settle(true);
    return await settled;
  } finally {
    done.abort();
    stop.removeEventListener('abort', onStop);
    await unsubscribe();
  }
}
