import type { InferEntity } from '@mikro-orm/core';
import type { Client, ConnectionLike } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { runStaticMetadata } from '../../core/engine/run-metadata.ts';
import { SA_API_KEY, SA_SOURCE, SA_WORKFLOW, SA_WORKSPACE } from '../../core/search-attributes.ts';
import { UnavailableError, unreachableDependency } from '../../core/errors.ts';
import { type WorkflowRun } from '../../db/entities/index.ts';
import type { Services } from '../../infra/services.ts';
import { moveRun } from './run-state.ts';
import { runWorkflowId } from './run-wait.ts';

type RunRow = InferEntity<typeof WorkflowRun>;

/**
 * What starting a run needs of a process's connections: an API process passes its Services; a
 * worker its own NativeConnection with a Client on it (no Redis, no second connection).
 */
export type RunServices = Pick<Services, 'config' | 'log' | 'orm'> & { readonly temporal: RunTemporal };

export interface RunTemporal {
  readonly connection: Pick<ConnectionLike, 'withDeadline'>;
  readonly client: Client;
}

/** The workflow type of the DAG interpreter (workflows/dag-run.workflow.ts). */
const DAG_RUN_WORKFLOW = 'dagRun';
/**
 * How long a start may wait for Temporal. Without it the client retries an unreachable frontend for
 * about 20 s before the caller gets its 503; a healthy start takes milliseconds.
 */
const START_DEADLINE_MS = 5_000;

/**
 * Starts the run's Temporal workflow, within START_DEADLINE_MS. Starting is idempotent: the id `run:<run_id>` may exist only
 * once (REJECT_DUPLICATE also refuses it after the first execution closed), so a second start of
 * the same run, e.g. by an Idempotency-Key replay racing the first request, is a no-op.
 * With `onError: 'fail-run'`, when Temporal refuses, the still-pending row is marked failed (never
 * left silently pending) and UnavailableError (503) is thrown. The same write clears the run's
 * Idempotency-Key: the run never reached Temporal, so a retry with that key must start a new run
 * rather than replay this failure.
 * A start that ran out of its deadline may still have reached Temporal: the run is failed all the
 * same, and its workflow, finding the row final, ends without executing anything.
 * With `onError: 'keep-run'` (an Idempotency-Key replay of a pending run), the 503 is thrown and the
 * row left alone: the first request's own start may still succeed, and the client's retry then
 * replays the started run, or starts it if nothing else will.
 */
export async function launchRun(
  services: RunServices,
  run: RunRow,
  workflowName: string,
  options: { onError: 'fail-run' | 'keep-run' },
): Promise<void> {
  try {
    const { connection, client } = services.temporal;
    await connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start(DAG_RUN_WORKFLOW, {
        workflowId: runWorkflowId(run.id),
        taskQueue: services.config.temporal.taskQueue,
        args: [{ runId: run.id }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: SA_WORKSPACE, value: run.workspaceId },
          { key: SA_WORKFLOW, value: run.workflowId },
          { key: SA_SOURCE, value: run.trigger.source },
          { key: SA_API_KEY, value: run.trigger.api_key_id ?? '' },
        ],
        memo: { workflow_name: workflowName, workflow_version: run.workflowVersion },
        ...runStaticMetadata({
          workflowName,
          workflowId: run.workflowId,
          version: run.workflowVersion,
          workspaceId: run.workspaceId,
          source: run.trigger.source,
        }),
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    services.log.error({ err, runId: run.id }, 'could not start run on Temporal');
    if (options.onError === 'fail-run') {
      // The run's error_message is shown to callers: a generic reason, never the client's text
      // (it names the engine's address); the detail is in the log line above.
      const reason = unreachableDependency(err) ? 'it cannot be reached' : 'it refused the start';
      await moveRun(
        services.orm.em.fork(),
        run.id,
        'failed',
        { errorMessage: `Could not start the run on the workflow engine: ${reason}`, idempotencyKey: null },
        ['pending'],
      );
    }
    throw new UnavailableError('Workflow engine unavailable: the run could not be started', err);
  }
}
