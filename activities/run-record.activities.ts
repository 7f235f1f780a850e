import type { MikroORM } from '../db/orm.ts';
import { WorkflowRun } from '../db/entities/index.ts';
import type { RunStatus } from '../core/run-status.ts';

export interface FinishRunInput {
  runId: string;
  status: Extract<RunStatus, 'success' | 'failed' | 'cancelled'>;
  output: unknown;
  errorMessage: string | null;
}

/** Activities that write a run's own row; each is idempotent so a retry changes nothing twice. */
export function createRunRecordActivities(orm: MikroORM) {
  return {
    async markRunRunning(runId: string): Promise<void> {
      await orm.em
        .fork()
        .nativeUpdate(
          WorkflowRun,
          { id: runId, status: 'pending' },
          { status: 'running', startedAt: new Date() },
        );
    },
    async finishRun(input: FinishRunInput): Promise<void> {
      await orm.em.fork().nativeUpdate(
        WorkflowRun,
        { id: input.runId, status: { $in: ['pending', 'running'] } },
        {
          status: input.status,
          outputData: input.output,
          errorMessage: input.errorMessage,
          finishedAt: new Date(),
        },
      );
    },
  };
}

export type RunActivities = ReturnType<typeof createRunRecordActivities>;
