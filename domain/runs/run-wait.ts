import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

/** How a wait on a run's Temporal workflow ended. */
export type WaitOutcome = 'closed' | 'timeout' | 'not_found';

/** Pause before renewing the result long-poll after a transient gRPC error. */
const RENEW_AFTER_ERROR_MS = 200;

/** The Temporal workflow id of a run. */
export function runWorkflowId(runId: string): string {
  return `run:${runId}`;
}

/** Aborts after `timeoutMs` or with `signal`, whichever comes first: the end of a wait. */
export function waitDeadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  // AbortSignal.timeout takes whole milliseconds only (`timeout: 0.5` seconds is valid input).
  const timeout = AbortSignal.timeout(Math.max(0, Math.ceil(timeoutMs)));
  return signal ? AbortSignal.any([timeout, signal]) : timeout;
}

/**
 * Waits until the run's workflow closes (completed, failed, cancelled, terminated, timed out), at most
 * `timeoutMs`, without polling: the SDK long-polls the history for the close event and renews the
 * poll each time the server's long-poll interval lapses; a transient gRPC error renews it too. When
 * the timeout or `signal` fires first, the in-flight long-poll is aborted so nothing outlives the
 * request. The run row is final in Postgres once this returns `closed` (the engine writes it first).
 */
export function waitForRunWorkflow(
  client: Client,
  runId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  return waitForWorkflowClose(client, runWorkflowId(runId), timeoutMs, signal);
}

/** `waitForRunWorkflow` for any workflow id (an agent turn's `job:<id>` too). */
export async function waitForWorkflowClose(
  client: Client,
  workflowId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  const stop = waitDeadline(timeoutMs, signal);
  const stopped = new Promise<WaitOutcome>((resolve) => {
    if (stop.aborted) resolve('timeout');
    stop.addEventListener('abort', () => resolve('timeout'), { once: true });
  });
  return Promise.race([stopped, client.withAbortSignal(stop, () => untilClosed(client, workflowId, stop))]);
}

async function untilClosed(client: Client, workflowId: string, stop: AbortSignal): Promise<WaitOutcome> {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    try {
      await handle.result();
      return 'closed';
    } catch (err) {
      if (stop.aborted) return 'timeout';
      if (err instanceof WorkflowFailedError) return 'closed';
      if (err instanceof WorkflowNotFoundError) return 'not_found';
      await sleep(RENEW_AFTER_ERROR_MS, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) return 'timeout';
    }
  }
}
