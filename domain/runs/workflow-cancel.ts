import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { waitForWorkflowClose } from './run-wait.ts';

/** How long a cancel request waits for the engine to record `cancelled` before answering. */
export const CANCEL_SETTLE_MS = 10_000;

/** What a cancel request found: whether the workflow existed, and how to end it if nobody else will. */
export interface CancelRequest {
  /** False when the workflow never started or had already closed. */
  readonly exists: boolean;
  /** Terminates the workflow; one already gone is not an error. */
  terminate(reason: string): Promise<void>;
}

/**
 * Asks Temporal to cancel a workflow (a run's or an agent turn's), then awaits its close for at most
 * CANCEL_SETTLE_MS without polling, so the caller reads the outcome the workflow recorded.
 */
export async function cancelWorkflowAndSettle(client: Client, workflowId: string): Promise<CancelRequest> {
  const handle = client.workflow.getHandle(workflowId);
  let exists = true;
  try {
    await handle.cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    exists = false; // never started, or already closed
  }
  if (exists) await waitForWorkflowClose(client, workflowId, CANCEL_SETTLE_MS);
  return {
    exists,
    terminate: (reason) =>
      handle.terminate(reason).then(
        () => undefined,
        (err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        },
      ),
  };
}
