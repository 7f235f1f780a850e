import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { NodeFailureRecord } from '../core/engine/dag-contract.ts';
import { progressQuery, RunProgress } from '../core/engine/run-progress.ts';
import type { PlannedNode } from '../core/dag/node-plan.ts';
import { DagSchedule } from '../core/dag/schedule.ts';
import type { RunStatus } from '../core/run-status.ts';
import { record, runRecord } from './dag-activities.ts';
import { executeNode, type NodeOutcome, type RunScope } from './dag-nodes.ts';
import { CHILD_DEADLINE_PATCH, RunDeadline } from './run-deadline.ts';
import { openRun } from './run-open.ts';

export interface DagRunInput {
  runId: string;
  /** How many parent runs started this one through workflow nodes (0 for a run started by the API). */
  depth?: number;
  /**
   * A child run's deadline (its node's `timeout_seconds`): when it passes, the run cancels its nodes
   * and records itself failed with `timed out after N s`.
   */
  timeoutSeconds?: number;
}

export interface DagRunResult {
  runId: string;
  status: RunStatus;
}

/**
 * Executes one workflow run, `run:<runId>`: loads and re-validates the pinned version, runs every
 * ready node at once (up to the per-run cap), and writes the final run row before completing, so
 * when the workflow's result settles Postgres already agrees. A failed node fails the workflow
 * (non-retryable); a cancellation is recorded, then rethrown so Temporal shows Canceled.
 * Its progress is answered by `progressQuery` and shown as the run's current details.
 */
export async function dagRun(input: DagRunInput): Promise<DagRunResult> {
  const { runId } = input;
  const progress = new RunProgress((p) => setCurrentDetails(p.details()));
  setHandler(progressQuery, () => progress.snapshot());
  const deadline = new RunDeadline(
    input.timeoutSeconds !== undefined && patched(CHILD_DEADLINE_PATCH) ? input.timeoutSeconds : undefined,
  );
  try {
    return await deadline.run(() => executeRun(input, progress));
  } catch (err) {
    if (deadline.endedBy(err)) return await failRun(runId, deadline.message, [], progress);
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => record('record cancel').cancelRun(runId));
      progress.end('cancelled');
    } else progress.end('failed');
    throw err;
  }
}

/** From the run's start to its recorded success or failure (a cancellation is rethrown). */
async function executeRun(input: DagRunInput, progress: RunProgress): Promise<DagRunResult> {
  const { runId } = input;
  const opened = await openRun(runId);
  if (opened.kind === 'finished') {
    progress.end(opened.status);
    return { runId, status: opened.status };
  }
  if (opened.kind === 'invalid') return await failRun(runId, opened.message, [], progress);
  const { nodes, limits, taskOf } = opened;
  progress.begin(nodes);
  const failures = await runGraph({ runId, depth: input.depth ?? 0, limits, taskOf }, nodes, progress);
  const first = failures[0];
  if (first) return await failRun(runId, `node "${first.nodeId}" failed: ${first.error}`, failures, progress);
  const done = await CancellationScope.nonCancellable(() =>
    runRecord(limits, 'complete run').completeRun(opened.completion),
  );
  if (done.status === 'failed') throw ApplicationFailure.nonRetryable(done.message, 'RunFailed');
  progress.end('success');
  return { runId, status: 'success' };
}

async function failRun(
  runId: string,
  message: string,
  failures: NodeFailureRecord[],
  progress: RunProgress,
): Promise<never> {
  await CancellationScope.nonCancellable(() =>
    record('record failure').failRun({ runId, message, failures }),
  );
  progress.end('failed');
  throw ApplicationFailure.nonRetryable(message, 'RunFailed');
}

/**
 * The scheduler: starts ready nodes, records skips, and stops at the first failure (cancelling
 * what still runs) or at the run's cancellation (rethrown once every node has settled).
 * Returns the failed nodes, empty on success.
 */
async function runGraph(
  run: RunScope,
  nodes: PlannedNode[],
  progress: RunProgress,
): Promise<NodeFailureRecord[]> {
  const schedule = new DagSchedule(nodes);
  const nodesScope = new CancellationScope();
  const inFlight = new Map<string, Promise<NodeOutcome>>();
  const failures: NodeFailureRecord[] = [];
  const fail = (failure: NodeFailureRecord) => {
    failures.push(failure);
    progress.failed(failure);
    nodesScope.cancel();
  };
  try {
    for (;;) {
      if (failures.length === 0) {
        const skipped = schedule.propagateSkips();
        for (const node of schedule.ready()) {
          if (inFlight.size >= run.limits.maxParallel) break;
          schedule.start(node.id);
          progress.started(node);
          inFlight.set(
            node.id,
            nodesScope.run(() => executeNode(run, node)),
          );
        }
        if (skipped.length) {
          progress.finished(skipped, 'skipped');
          await record(`skip ${skipped.join(', ')}`).skipSteps({ runId: run.runId, nodeIds: skipped });
        }
      }
      if (inFlight.size === 0) break;
      const outcome = await Promise.race(inFlight.values());
      inFlight.delete(outcome.nodeId);
      if (outcome.kind === 'done') {
        schedule.finish(outcome.nodeId, outcome.status);
        progress.finished([outcome.nodeId], outcome.status);
      } else if (outcome.kind === 'failed') fail({ nodeId: outcome.nodeId, error: outcome.error });
      else if (CancellationScope.current().consideredCancelled) throw outcome.error;
      // Cancelled while nobody cancelled this run: its child run was cancelled on its own.
      else if (failures.length === 0) fail({ nodeId: outcome.nodeId, error: 'was cancelled' });
      else progress.cancelled(outcome.nodeId);
    }
  } finally {
    // Let every node settle (activities are abandoned at once, child runs record their cancel).
    if (inFlight.size) {
      nodesScope.cancel();
      await Promise.all(inFlight.values());
    }
  }
  if (!schedule.done && failures.length === 0) {
    throw ApplicationFailure.nonRetryable('scheduler stopped with nodes left to run', 'SchedulerStuck');
  }
  return failures;
}
