// How the DAG interpreter calls its activities, and with which timeouts and retries.
// Bookkeeping (run and step rows) and the node types declared `local-activity` (transform,
// condition: expression evaluation only, bounded by the expression deadline) are LOCAL activities: they run in the worker
// that holds the workflow task, so they cost no server round trip. A local activity holds that
// workflow task while it runs: the SDK heartbeats the task so it never times out, but new server
// events (a timer firing, a cancellation, an http node's result) reach the workflow only at those
// heartbeats or when the activity ends. So each one is short and bounded: its timeout always leaves
// room for the expression deadline plus its database writes.
// `activity` node types (http, agent) stay regular activities: they heartbeat, any worker may run them, and a
// cancellation reaches them through the server.
// Every proxy carries a one-line summary (core/engine/run-metadata.ts): the Temporal UI shows it in
// the run's timeline instead of the bare activity type.
// Every proxy also waits out a database outage (workflows/database-pause.ts): an activity that cannot
// reach Postgres fails at once, and the call is made again after a durable pause.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DagActivities, RunLimits } from '../core/engine/dag-contract.ts';
import { NODE_DEFAULTS } from '../core/dag/definition.ts';
import type { PlannedNode } from '../core/dag/node-plan.ts';
import { nodeSummary } from '../core/engine/run-metadata.ts';
import { nodeTypeDef } from '../core/nodes/registry.ts';
import { failFastOnDatabase, pausingForDatabase } from './database-pause.ts';

/** Writes of the run row (start, skips, fail, cancel): short, retried until they succeed. */
const RECORD_TIMEOUT_MS = 30_000;
const RECORD_RETRY = { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' };
/** Step bookkeeping around a delay or child run: transient database errors are retried. */
const STEP_RECORD_RETRY = { maximumAttempts: 5, initialInterval: '500 milliseconds' };
/**
 * What an evaluating local activity may take beyond the expression deadline: waiting for a free
 * expression process and its reads and writes. Keeps the deadline well under the activity timeout,
 * so a slow expression fails with its own clear error, never with an activity timeout.
 */
const EVALUATION_MARGIN_MS = 10_000;
/** An http or agent step that stops heartbeating this long is presumed lost (worker died). */
const LONG_NODE_HEARTBEAT_TIMEOUT = '10 seconds';

/** Run-row writes that evaluate nothing; `startRun` runs before the limits are known. */
export function record(summary: string) {
  return pausingForDatabase(
    proxyLocalActivities<DagActivities>({
      startToCloseTimeout: RECORD_TIMEOUT_MS,
      retry: failFastOnDatabase(RECORD_RETRY),
      summary,
    }),
  );
}

/** The longest an evaluating local activity may run: the expression deadline plus the margin. */
function evaluationTimeoutMs(limits: RunLimits): number {
  return Math.max(RECORD_TIMEOUT_MS, limits.expressionTimeoutMs + EVALUATION_MARGIN_MS);
}

/** Run-row writes that may evaluate the `output` expression (`completeRun`). */
export function runRecord(limits: RunLimits, summary: string) {
  return pausingForDatabase(
    proxyLocalActivities<DagActivities>({
      startToCloseTimeout: evaluationTimeoutMs(limits),
      retry: failFastOnDatabase(RECORD_RETRY),
      summary,
    }),
  );
}

/** Step bookkeeping around delays and child runs (it evaluates `when` and templates). */
export function stepRecord(limits: RunLimits, node: PlannedNode, step: 'begin' | 'record') {
  return pausingForDatabase(
    proxyLocalActivities<DagActivities>({
      startToCloseTimeout: evaluationTimeoutMs(limits),
      retry: failFastOnDatabase(STEP_RECORD_RETRY),
      summary: nodeSummary(node, step),
    }),
  );
}

/**
 * The activity that runs a node whose type executes in one (local) activity, with the node's own
 * retry policy and timeout. A local one's timeout is never shorter than the evaluation bound.
 */
export function nodeActivities(node: PlannedNode, limits: RunLimits) {
  const retry = node.retry;
  const options = {
    // A database outage uses none of the node's attempts: the workflow waits it out.
    retry: failFastOnDatabase({
      maximumAttempts: retry?.max_attempts ?? NODE_DEFAULTS.retry.max_attempts,
      initialInterval: Math.max(1, (retry?.backoff_seconds ?? NODE_DEFAULTS.retry.backoff_seconds) * 1000),
      backoffCoefficient: 2,
    }),
    summary: nodeSummary(node),
  };
  const timeoutMs = (node.timeoutSeconds ?? NODE_DEFAULTS.timeoutSeconds) * 1000;
  if (nodeTypeDef(node.type).execution === 'local-activity') {
    return pausingForDatabase(
      proxyLocalActivities<DagActivities>({
        ...options,
        startToCloseTimeout: Math.max(timeoutMs, evaluationTimeoutMs(limits)),
      }),
    );
  }
  return pausingForDatabase(
    proxyActivities<DagActivities>({
      ...options,
      startToCloseTimeout: timeoutMs,
      heartbeatTimeout: LONG_NODE_HEARTBEAT_TIMEOUT,
    }),
  );
}
