// The contract between the DAG workflow and its activities: what each activity takes and returns.
// Both sides import it (workflows as types only), so workflow code never reaches into activities/.
// Since the `run-plan-by-id` patch the workflow names nodes by id in the run's pinned version and
// activities load them; the older shapes (whole graph, whole node) stay accepted for runs whose
// history began before it.
import type { NodeSpec, WorkflowGraph } from '../dag/definition.ts';
import type { PlannedNode } from '../dag/node-plan.ts';
import type { RunStatus } from '../run-status.ts';

/** The workers' limits a run must respect, told to the workflow when the run starts (`planRun`). */
export interface RunLimits {
  /** Most nodes of one run in flight at once (RUN_MAX_PARALLEL_NODES). */
  maxParallel: number;
  /** Deadline of one expression evaluation (EXPRESSION_TIMEOUT_MS): bounds the light activities. */
  expressionTimeoutMs: number;
}

/** Why a run cannot execute after all. */
export type RunNotReady =
  /** The pinned version is missing or no longer valid: the run must fail with `message`. */
  | { kind: 'invalid'; message: string }
  /** The row is already final (e.g. cancelled before a worker picked it up). */
  | { kind: 'finished'; status: RunStatus };

/** `planRun`: only what scheduling needs, and the pinned version's id to name nodes by. */
export type PlanRunResult =
  { kind: 'ready'; versionId: string; nodes: PlannedNode[]; limits: RunLimits } | RunNotReady;

/** `startRun` (before `run-plan-by-id`): the whole validated graph. */
export type StartRunResult = { kind: 'ready'; graph: WorkflowGraph; limits: RunLimits } | RunNotReady;

/** A node of a run, named by id in the run's pinned version (`WorkflowVersion.id`). */
export interface NodeRef {
  runId: string;
  versionId: string;
  nodeId: string;
}

/** Before `run-plan-by-id`: the whole node travelled with each call. */
export interface WholeNodeTask {
  runId: string;
  node: NodeSpec;
}

export type NodeTask = NodeRef | WholeNodeTask;

/** Outcome of a node whose work happens in one activity (transform, condition, http, agent). */
export interface NodeResult {
  status: 'success' | 'skipped';
}

/**
 * A node whose work happens in the workflow (a delay timer) is begun by an activity: it answers the
 * timer's length, or for a whole-node task the resolved `with`.
 */
export type BeginResult =
  | { status: 'skipped' }
  | { status: 'running'; seconds: number }
  | { status: 'running'; with: Record<string, unknown> };

export type ChildTask = NodeTask & {
  /** Chosen by the workflow (deterministic), so a retried activity creates the same child run. */
  childRunId: string;
};

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

/** `completeRun` loads the `output` expression and the sink nodes from the pinned version. */
export interface CompleteRunRef {
  runId: string;
  versionId: string;
}

/** Before `run-plan-by-id`: the workflow passed the output expression and the sinks. */
export interface WholeCompleteRunInput {
  runId: string;
  output?: string;
  /** Nodes whose outputs make the run output when there is no `output` expression. */
  sinks: string[];
}

export type CompleteRunInput = CompleteRunRef | WholeCompleteRunInput;

export type CompleteRunResult = { status: 'success' } | { status: 'failed'; message: string };

/** A child run's step, closed once the child workflow finished. */
export interface CompleteChildStepInput {
  runId: string;
  nodeId: string;
  childRunId: string;
}

/** Every activity the DAG workflow calls; the worker's activities implement it (`satisfies`). */
export interface DagActivities {
  planRun(runId: string): Promise<PlanRunResult>;
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
  cancelUnstartedChild(childRunId: string): Promise<void>;
}
