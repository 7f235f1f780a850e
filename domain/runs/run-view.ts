import type { InferEntity } from '@mikro-orm/core';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { JsonValue, RunStatus, StepStatus } from '../../core/run-status.ts';

type RunRow = InferEntity<typeof WorkflowRun>;
type StepRow = InferEntity<typeof RunStep>;

/** A run as a list shows it: everything but its data and steps. */
export interface RunSummaryView {
  id: string;
  run_id: string;
  status: RunStatus;
  workflow_id: string;
  workflow_version: number;
  error_message: string | null;
  duration_seconds: number | null;
  trigger: { source: string; api_key_id: string | null };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface StepView {
  node_id: string;
  name: string;
  type: string;
  status: StepStatus;
  attempt: number;
  input: JsonValue | null;
  output: JsonValue | null;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

/** A run with its data and steps: what GET, `wait` and cancel answer. */
export interface RunView extends RunSummaryView {
  input_data: JsonValue | null;
  output_data: JsonValue | null;
  steps: StepView[];
}

export function runSummaryView(run: RunRow): RunSummaryView {
  // A run that never started (Temporal refused it) is measured from its creation.
  const from = run.startedAt ?? run.createdAt;
  return {
    id: run.id,
    run_id: run.id,
    status: run.status,
    workflow_id: run.workflowId,
    workflow_version: run.workflowVersion,
    error_message: run.errorMessage ?? null,
    duration_seconds: run.finishedAt ? (run.finishedAt.getTime() - from.getTime()) / 1000 : null,
    trigger: { source: run.trigger.source, api_key_id: run.trigger.api_key_id ?? null },
    created_at: run.createdAt.toISOString(),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
  };
}

function runView(run: RunRow, steps: readonly StepRow[]): RunView {
  return {
    ...runSummaryView(run),
    input_data: run.inputData ?? null,
    output_data: run.outputData ?? null,
    steps: steps.map(stepView),
  };
}

function stepView(step: StepRow): StepView {
  return {
    node_id: step.nodeId,
    name: step.name,
    type: step.type,
    status: step.status,
    attempt: step.attempt,
    input: step.input ?? null,
    output: step.output ?? null,
    error: step.error ?? null,
    started_at: iso(step.startedAt),
    finished_at: iso(step.finishedAt),
    duration_ms: step.durationMs ?? null,
  };
}

/** The run in the workspace with its steps in execution order, or undefined. */
export async function loadRunView(
  em: EntityManager,
  workspaceId: string,
  runId: string,
): Promise<RunView | undefined> {
  // Both reads go out together: the steps query is wasted only for an id that is not ours.
  const [run, steps] = await Promise.all([
    em.fork().findOne(WorkflowRun, { id: runId, workspaceId }),
    em
      .fork()
      .find(
        RunStep,
        { runId },
        { orderBy: { startedAt: 'asc nulls last', createdAt: 'asc', nodeId: 'asc' } },
      ),
  ]);
  return run ? runView(run, steps) : undefined;
}

/** A nullable timestamp as the API writes it. */
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
