// The contract between the DAG workflow and its activities: what each activity takes and returns.
// Both sides import it (workflows as types only), so workflow code never reaches into activities/.
import type { NodeSpec, WorkflowGraph } from '../dag/definition.ts';
import type { RunStatus } from '../run-status.ts';

/** The workers' limits a run must respect, told to the workflow by `startRun`. */
export interface RunLimits {
  /** Most nodes of one run in flight at once (RUN_MAX_PARALLEL_NODES). */
  maxParallel: number;
  /** Deadline of one expression evaluation (EXPRESSION_TIMEOUT_MS): bounds the light activities. */
  expressionTimeoutMs: number;
}

export type StartRunResult =
  | { kind: 'ready'; graph: WorkflowGraph; limits: RunLimits }
  /** The pinned version is missing or no longer valid: the run must fail with `message`. */
  | { kind: 'invalid'; message: string }
  /** The row is already final (e.g. cancelled before a worker picked it up). */
  | { kind: 'finished'; status: RunStatus };

export interface NodeTask {
  runId: string;
  node: NodeSpec;
}

/** Outcome of a node whose work happens in one activity (transform, condition, http, agent). */
export interface NodeResult {
  status: 'success' | 'skipped';
}

/** A node whose work happens in the workflow (delay timer, child run) is begun by an activity. */
export type BeginResult = { status: 'skipped' } | { status: 'running'; with: Record<string, unknown> };

export interface ChildTask extends NodeTask {
  /** Chosen by the workflow (deterministic), so a retried activity creates the same child run. */
  childRunId: string;
}

export interface ChildRunStart {
  runId: string;
  workspaceId: string;
  workflowId: string;
  workflowName: string;
  version: number;
  source: string;
  apiKeyId: string;
}

export type BeginChildResult = { status: 'skipped' } | { status: 'running'; child: ChildRunStart };

export interface CompleteStepInput {
  runId: string;
  nodeId: string;
  output: unknown;
}

export interface NodeFailureRecord {
  nodeId: string;
  error: string;
}

export interface FailRunInput {
  runId: string;
  message: string;
  failures: NodeFailureRecord[];
}

export interface CompleteRunInput {
  runId: string;
  output?: string;
  /** Nodes whose outputs make the run output when there is no `output` expression. */
  sinks: string[];
}

export type CompleteRunResult = { status: 'success' } | { status: 'failed'; message: string };

/** A child run's step, closed once the child workflow finished. */
export interface CompleteChildStepInput {
  runId: string;
  nodeId: string;
  childRunId: string;
}

/** Every activity the DAG workflow calls; the worker's activities implement it (`satisfies`). */
export interface DagActivities {
  startRun(runId: string): Promise<StartRunResult>;
  completeRun(input: CompleteRunInput): Promise<CompleteRunResult>;
  failRun(input: FailRunInput): Promise<void>;
  cancelRun(runId: string): Promise<void>;
  skipSteps(input: { runId: string; nodeIds: string[] }): Promise<void>;
  runNode(task: NodeTask): Promise<NodeResult>;
  beginStep(task: NodeTask): Promise<BeginResult>;
  completeStep(input: CompleteStepInput): Promise<void>;
  beginChildStep(task: ChildTask): Promise<BeginChildResult>;
  completeChildStep(input: CompleteChildStepInput): Promise<void>;
}
