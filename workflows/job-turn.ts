import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyLocalActivities,
  type LocalActivityInterfaceFor,
} from '@temporalio/workflow';
import type { AgentTurnActivities, AgentTurnResult, TurnOutcome } from '../core/agents/turn-contract.ts';
import { failFastOnDatabase, pausingForDatabase } from './database-pause.ts';

/** Job-row writes: short, retried until they succeed (a database outage pauses instead). */
const RECORD_TIMEOUT_MS = 30_000;
export const RECORD_RETRY = { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' };

/**
 * The job-recording activities, as local activities. Made inside the workflow: `patched()` (in the
 * database pause) needs a running workflow.
 */
export function recordsOf<T extends object>(): LocalActivityInterfaceFor<T> {
  return pausingForDatabase(
    proxyLocalActivities<T>({
      startToCloseTimeout: RECORD_TIMEOUT_MS,
      retry: failFastOnDatabase(RECORD_RETRY),
      summary: 'record job',
    }),
  );
}
export const records = () => recordsOf<AgentTurnActivities>();

/**
 * Runs the body of a job's workflow (agentTurn, conformanceTurn): its result, or `{ error }` when it
 * gives up. A failure is recorded first, then thrown (Temporal shows the job Failed too); a
 * cancellation is recorded in a non-cancellable scope, then rethrown.
 */
export async function recordedTurn(
  jobId: string,
  body: () => Promise<AgentTurnResult | { readonly error: string }>,
): Promise<AgentTurnResult> {
  let error: string;
  try {
    const result = await body();
    if (!('error' in result)) return result;
    error = result.error;
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() =>
        records().finishAgentTurn({ jobId, outcome: { status: 'cancelled' } }),
      );
      throw err;
    }
    error = failureMessage(err);
  }
  await finish(jobId, { status: 'failed', error });
  throw ApplicationFailure.nonRetryable(error, 'AgentTurnFailed');
}

/** Records the job's outcome whatever cancellation comes meanwhile. */
export async function finish(jobId: string, outcome: TurnOutcome): Promise<AgentTurnResult> {
  await CancellationScope.nonCancellable(() => records().finishAgentTurn({ jobId, outcome }));
  return { jobId, status: outcome.status };
}

/** The activity's own message: activities only ever throw messages that are safe to show. */
function failureMessage(err: unknown): string {
  const own = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return own instanceof Error ? own.message : String(own);
}
