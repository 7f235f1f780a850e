import { WorkflowNotFoundError } from '@temporalio/common';
import { DefinitionHeads } from '../../domain/definitions/definition-heads.ts';
import { LastRunRecorder } from '../../domain/definitions/last-run-recorder.ts';
import { RunnableVersions } from '../../domain/definitions/runnable-versions.ts';
import type { RunServices } from '../../domain/runs/run-launcher.ts';
import {
  startRun,
  type RunStarter,
  type RunStartRequest,
  type StartRunDeps,
} from '../../domain/runs/run-start.service.ts';
import { runWorkflowId, waitForRunWorkflow, type WaitOutcome } from '../../domain/runs/run-wait.ts';

/** How the `run_workflow` tool starts, awaits and cancels runs: the domain's start, from a worker. */
export interface WorkflowRunner {
  /** The id of the started run; throws the start's AppErrors (404, 400, 429, 503). */
  start(starter: RunStarter, workflowId: string, request: RunStartRequest): Promise<string>;
  waitForEnd(runId: string, timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome>;
  /** Asks Temporal to cancel the run (the engine records `cancelled`); a closed run is left alone. */
  cancel(runId: string): Promise<void>;
  close(): Promise<void>;
}

/** A runner on the worker's own connections (a Client on its NativeConnection). */
export function createWorkflowRunner(services: RunServices): WorkflowRunner {
  const deps: StartRunDeps = {
    services,
    versions: new RunnableVersions(),
    heads: new DefinitionHeads(),
    lastRuns: new LastRunRecorder(services.orm, services.log),
  };
  const client = services.temporal.client;
  return {
    async start(starter, workflowId, request) {
      return (await startRun(deps, starter, workflowId, request)).id;
    },
    waitForEnd: (runId, timeoutMs, signal) => waitForRunWorkflow(client, runId, timeoutMs, signal),
    async cancel(runId) {
      await client.workflow
        .getHandle(runWorkflowId(runId))
        .cancel()
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    },
    close: () => deps.lastRuns.flush(),
  };
}
