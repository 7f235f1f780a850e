import { jobWorkflowId } from '../../core/agents/turn-contract.ts';
import type { Services } from '../../infra/services.ts';
import { waitForWorkflowClose } from '../runs/run-wait.ts';

/** Longest a settle wait holds on its own; callers bound it further with `stop`. */
const SETTLE_WAIT_MS = 24 * 60 * 60 * 1000;

/**
 * Resolves once the job's turn has settled (its workflow closed, so the job row is final) or `stop`
 * aborts. Interim: the input-required work replaces it with a wait that also ends when the turn
 * stops to ask for input.
 */
export async function awaitJobSettled(services: Services, jobId: string, stop: AbortSignal): Promise<void> {
  await waitForWorkflowClose(services.temporal.client, jobWorkflowId(jobId), SETTLE_WAIT_MS, stop);
}
