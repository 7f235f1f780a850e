// How the interpreter runs one node: activity-backed types in one activity, delays as durable
// timers, workflow nodes as child runs. Deterministic workflow code only.
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  TimeoutFailure,
  executeChild,
  isCancellation,
  proxyActivities,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import type { DagActivities } from '../activities/index.ts';
import { NODE_DEFAULTS, type NodeSpec } from '../core/dag/definition.ts';
import { SA_API_KEY, SA_SOURCE, SA_WORKFLOW, SA_WORKSPACE } from '../core/search-attributes.ts';

/** Timeout of the short activities that begin or complete a step (evaluate, write a row). */
const STEP_RECORD_TIMEOUT = '60 seconds';
/** Transient database errors are retried; definition errors are non-retryable anyway. */
const STEP_RECORD_RETRY = { maximumAttempts: 5, initialInterval: '500 milliseconds' };
/** An http or agent step that stops heartbeating this long is presumed lost (worker died). */
const LONG_NODE_HEARTBEAT_TIMEOUT = '10 seconds';
/** Child runs may start child runs, but not endlessly (a workflow that runs itself). */
export const MAX_CHILD_DEPTH = 5;
/** Extra activity time beyond an http node's own request timeout, for evaluation and writes. */
const HTTP_TIMEOUT_MARGIN_SECONDS = 10;

const steps = proxyActivities<DagActivities>({
  startToCloseTimeout: STEP_RECORD_TIMEOUT,
  retry: STEP_RECORD_RETRY,
});

export type NodeOutcome =
  | { kind: 'done'; nodeId: string; status: 'success' | 'skipped' }
  | { kind: 'failed'; nodeId: string; error: string }
  | { kind: 'cancelled'; nodeId: string; error: unknown };

/** Runs one node to its outcome; never rejects, so the scheduler can race many of them. */
export async function executeNode(runId: string, node: NodeSpec, depth: number): Promise<NodeOutcome> {
  try {
    const status =
      node.type === 'delay'
        ? await runDelay(runId, node)
        : node.type === 'workflow'
          ? await runChild(runId, node, depth)
          : (await activitiesFor(node).runNode({ runId, node })).status;
    return { kind: 'done', nodeId: node.id, status };
  } catch (err) {
    if (isCancellation(err)) return { kind: 'cancelled', nodeId: node.id, error: err };
    return { kind: 'failed', nodeId: node.id, error: describeFailure(err) };
  }
}

async function runDelay(runId: string, node: NodeSpec): Promise<'success' | 'skipped'> {
  const begun = await steps.beginStep({ runId, node });
  if (begun.status === 'skipped') return 'skipped';
  const seconds = Number(begun.with.seconds);
  await sleep(seconds * 1000);
  await steps.completeStep({ runId, nodeId: node.id, output: { seconds } });
  return 'success';
}

async function runChild(runId: string, node: NodeSpec, depth: number): Promise<'success' | 'skipped'> {
  if (depth >= MAX_CHILD_DEPTH) {
    throw ApplicationFailure.nonRetryable(`workflow nodes may nest at most ${MAX_CHILD_DEPTH} levels deep`);
  }
  const begun = await steps.beginChildStep({ runId, node, childRunId: uuid4() });
  if (begun.status === 'skipped') return 'skipped';
  const { child } = begun;
  try {
    await executeChild('dagRun', {
      workflowId: `run:${child.runId}`,
      args: [{ runId: child.runId, depth: depth + 1 }],
      typedSearchAttributes: [
        { key: SA_WORKSPACE, value: child.workspaceId },
        { key: SA_WORKFLOW, value: child.workflowId },
        { key: SA_SOURCE, value: child.source },
        { key: SA_API_KEY, value: child.apiKeyId },
      ],
      memo: { workflow_name: child.workflowName, workflow_version: child.version, parent_run_id: runId },
      // If this run is terminated, the child still gets to record its own cancellation.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      ...(node.timeout_seconds === undefined
        ? {}
        : { workflowExecutionTimeout: node.timeout_seconds * 1000 }),
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`child run ${child.runId} failed: ${describeFailure(err)}`);
  }
  await steps.completeChildStep({ runId, nodeId: node.id, childRunId: child.runId });
  return 'success';
}

/** The node's own activity options: its timeout and retry policy from the definition. */
function activitiesFor(node: NodeSpec) {
  const retry = node.retry;
  const httpTimeout = node.with?.timeout_seconds;
  const defaultTimeout =
    node.type === 'http' && typeof httpTimeout === 'number'
      ? Math.max(NODE_DEFAULTS.timeoutSeconds, httpTimeout + HTTP_TIMEOUT_MARGIN_SECONDS)
      : NODE_DEFAULTS.timeoutSeconds;
  const long = node.type === 'http' || node.type === 'agent';
  return proxyActivities<DagActivities>({
    startToCloseTimeout: (node.timeout_seconds ?? defaultTimeout) * 1000,
    ...(long ? { heartbeatTimeout: LONG_NODE_HEARTBEAT_TIMEOUT } : {}),
    retry: {
      maximumAttempts: retry?.max_attempts ?? NODE_DEFAULTS.retry.max_attempts,
      initialInterval: Math.max(1, (retry?.backoff_seconds ?? NODE_DEFAULTS.retry.backoff_seconds) * 1000),
      backoffCoefficient: 2,
    },
  });
}

/** The most specific message in a failure chain: the activity's own error, not "Activity task failed". */
export function describeFailure(err: unknown): string {
  let e: unknown = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  if (e instanceof TimeoutFailure) return `timed out (${e.timeoutType ?? 'timeout'})`;
  return e instanceof Error ? e.message : String(e);
}
