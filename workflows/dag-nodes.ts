// How the interpreter runs one node, as its type declares (core/nodes/): in one activity, as a
// durable timer, or as a child run. Deterministic workflow code only.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  type ChildWorkflowOptions,
  ParentClosePolicy,
  TimeoutFailure,
  executeChild,
  isCancellation,
  patched,
  sleep,
  startChild,
  uuid4,
} from '@temporalio/workflow';
import type { PlannedNode } from '../core/dag/node-plan.ts';
import { nodeSummary, runStaticMetadata, timerSummary } from '../core/engine/run-metadata.ts';
import { nodeTypeDef } from '../core/nodes/registry.ts';
import { SA_API_KEY, SA_SOURCE, SA_WORKFLOW, SA_WORKSPACE } from '../core/search-attributes.ts';
import type { ChildTask, NodeTask, RunLimits } from '../core/engine/dag-contract.ts';
import { nodeActivities, record, stepRecord } from './dag-activities.ts';
import { CHILD_DEADLINE_PATCH, DEADLINE_BACKSTOP_MS } from './run-deadline.ts';

/**
 * Patch: a child run cancelled before it started is recorded cancelled by its parent (its begin step
 * is waited for, then start and result are awaited apart); before it, the reconciler ended its row.
 */
const UNSTARTED_CHILD_PATCH = 'cancel-unstarted-child-run';

/** Child runs may start child runs, but not endlessly (a workflow that runs itself). */
const MAX_CHILD_DEPTH = 5;

/** The run a node belongs to, as every node of it needs it. */
export interface RunScope {
  runId: string;
  /** How many parent runs started this one through workflow nodes. */
  depth: number;
  limits: RunLimits;
  /** How the run's activities name a node: by id in its pinned version (older runs: whole). */
  taskOf(nodeId: string): NodeTask;
}

export type NodeOutcome =
  | { kind: 'done'; nodeId: string; status: 'success' | 'skipped' }
  | { kind: 'failed'; nodeId: string; error: string }
  | { kind: 'cancelled'; nodeId: string; error: unknown };

/** Runs one node to its outcome; never rejects, so the scheduler can race many of them. */
export async function executeNode(run: RunScope, node: PlannedNode): Promise<NodeOutcome> {
  try {
    const def = nodeTypeDef(node.type);
    const status =
      def.execution === 'timer'
        ? await runTimer(run, node, def.seconds)
        : def.execution === 'child'
          ? await runChild(run, node)
          : (await nodeActivities(node, run.limits).runNode(run.taskOf(node.id))).status;
    return { kind: 'done', nodeId: node.id, status };
  } catch (err) {
    if (isCancellation(err)) return { kind: 'cancelled', nodeId: node.id, error: err };
    return { kind: 'failed', nodeId: node.id, error: describeFailure(err) };
  }
}

async function runTimer(
  { runId, limits, taskOf }: RunScope,
  node: PlannedNode,
  duration: (input: Record<string, unknown>) => number,
): Promise<'success' | 'skipped'> {
  const begun = await stepRecord(limits, node, 'begin').beginStep(taskOf(node.id));
  if (begun.status === 'skipped') return 'skipped';
  // A whole-node task (runs from before `run-plan-by-id`) gets the resolved `with` back.
  const seconds = 'seconds' in begun ? begun.seconds : duration(begun.with);
  await sleep(seconds * 1000, { summary: timerSummary(node, seconds) });
  await stepRecord(limits, node, 'record').completeStep({ runId, nodeId: node.id, output: { seconds } });
  return 'success';
}

async function runChild(
  { runId, depth, limits, taskOf }: RunScope,
  node: PlannedNode,
): Promise<'success' | 'skipped'> {
  if (depth >= MAX_CHILD_DEPTH) {
    throw ApplicationFailure.nonRetryable(`workflow nodes may nest at most ${MAX_CHILD_DEPTH} levels deep`);
  }
  const task = { ...taskOf(node.id), childRunId: uuid4() };
  const guarded = patched(UNSTARTED_CHILD_PATCH);
  const begun = guarded
    ? await beginChildStep(limits, node, task)
    : await stepRecord(limits, node, 'begin').beginChildStep(task);
  if (begun.status === 'skipped') return 'skipped';
  const { child } = begun;
  const options = {
    workflowId: `run:${child.runId}`,
    ...childDeadline(child.runId, depth + 1, node.timeoutSeconds),
    typedSearchAttributes: [
      { key: SA_WORKSPACE, value: child.workspaceId },
      { key: SA_WORKFLOW, value: child.workflowId },
      { key: SA_SOURCE, value: child.source },
      { key: SA_API_KEY, value: child.apiKeyId },
    ],
    memo: { workflow_name: child.workflowName, workflow_version: child.version, parent_run_id: runId },
    ...runStaticMetadata({
      workflowName: child.workflowName,
      workflowId: child.workflowId,
      version: child.version,
      workspaceId: child.workspaceId,
      source: child.source,
      parentRunId: runId,
    }),
    // If this run is terminated, the child still gets to record its own cancellation.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  };
  try {
    if (guarded) await (await startChildRun(node, child.runId, options)).result();
    else await executeChild('dagRun', options);
  } catch (err) {
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`child run ${child.runId} failed: ${describeFailure(err)}`);
  }
  await stepRecord(limits, node, 'record').completeChildStep({
    runId,
    nodeId: node.id,
    childRunId: child.runId,
  });
  return 'success';
}

/**
 * Begins the child step to its end even when the node is cancelled meanwhile: the attempt under way
 * may insert the child's row. Cancelled by then, the child never starts: its row is recorded
 * cancelled and the cancellation thrown, whatever the step's own outcome.
 */
async function beginChildStep(limits: RunLimits, node: PlannedNode, task: ChildTask) {
  const scope = CancellationScope.current();
  const begin = () => stepRecord(limits, node, 'begin').beginChildStep(task);
  const begun = await CancellationScope.nonCancellable(begin).catch((err: unknown) => {
    if (!scope.consideredCancelled) throw err;
  });
  if (begun && !scope.consideredCancelled) return begun;
  await recordChildCancelled(node, task.childRunId);
  return scope.cancelRequested;
}

/**
 * Starts the child run. Cancelled before its start reached the server (a failing sibling, the run
 * cancelled), the child never gets a workflow to record its end: its row is recorded cancelled here.
 */
async function startChildRun(node: PlannedNode, childRunId: string, options: ChildWorkflowOptions) {
  try {
    return await startChild('dagRun', options);
  } catch (err) {
    if (isCancellation(err)) await recordChildCancelled(node, childRunId);
    throw err;
  }
}

/**
 * Records a child run that never started `cancelled` (while still pending), instead of leaving it
 * to hold a live-run slot until the reconciler fails it.
 */
function recordChildCancelled(node: PlannedNode, childRunId: string): Promise<void> {
  const cancel = record(nodeSummary(node, 'cancel unstarted child'));
  return CancellationScope.nonCancellable(() => cancel.cancelUnstartedChild(childRunId));
}

/**
 * The child's input and execution timeout for the node's `timeout_seconds`: the child keeps its own
 * deadline (so it records its end) and the server's timeout only backs it up. Runs started before
 * that change kept the deadline as the execution timeout alone.
 */
function childDeadline(runId: string, depth: number, timeoutSeconds: number | undefined) {
  if (timeoutSeconds === undefined) return { args: [{ runId, depth }] };
  if (!patched(CHILD_DEADLINE_PATCH))
    return { args: [{ runId, depth }], workflowExecutionTimeout: timeoutSeconds * 1000 };
  return {
    args: [{ runId, depth, timeoutSeconds }],
    workflowExecutionTimeout: timeoutSeconds * 1000 + DEADLINE_BACKSTOP_MS,
  };
}

/** The most specific message in a failure chain: the activity's own error, not "Activity task failed". */
function describeFailure(err: unknown): string {
  let e: unknown = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  if (e instanceof TimeoutFailure) return `timed out (${e.timeoutType ?? 'timeout'})`;
  return e instanceof Error ? e.message : String(e);
}
