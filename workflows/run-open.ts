// How a run starts: since `run-plan-by-id` the workflow gets only what scheduling needs and names
// nodes by id; a history from before it replays the older start, which handed over the whole graph.
import { patched } from '@temporalio/workflow';
import type { NodeSpec } from '../core/dag/definition.ts';
import { planNode, type PlannedNode } from '../core/dag/node-plan.ts';
import { sinkNodeIds } from '../core/dag/schedule.ts';
import type { CompleteRunInput, NodeTask, RunLimits, RunNotReady } from '../core/engine/dag-contract.ts';
import { record } from './dag-activities.ts';

/**
 * Patch: `planRun` instead of `startRun`, and activities called with node ids (loaded from the
 * pinned version by the worker) instead of whole nodes, so definitions stay out of the history.
 */
export const RUN_PLAN_PATCH = 'run-plan-by-id';

/** A run ready to execute, as the interpreter drives it. */
export interface OpenRun {
  kind: 'ready';
  nodes: PlannedNode[];
  limits: RunLimits;
  /** How the run's activities name a node. */
  taskOf(nodeId: string): NodeTask;
  /** What `completeRun` is called with. */
  completion: CompleteRunInput;
}

/** Marks the run running with its pending steps, and answers how to run it (or why not). */
export async function openRun(runId: string): Promise<OpenRun | RunNotReady> {
  if (patched(RUN_PLAN_PATCH)) {
    const planned = await record('start run').planRun(runId);
    if (planned.kind !== 'ready') return planned;
    const { versionId, nodes, limits } = planned;
    return {
      kind: 'ready',
      nodes,
      limits,
      taskOf: (nodeId) => ({ runId, versionId, nodeId }),
      completion: { runId, versionId },
    };
  }
  const started = await record('start run').startRun(runId);
  if (started.kind !== 'ready') return started;
  const { graph, limits } = started;
  const byId = new Map<string, NodeSpec>(graph.nodes.map((node) => [node.id, node]));
  return {
    kind: 'ready',
    nodes: graph.nodes.map(planNode),
    limits,
    taskOf: (nodeId) => ({ runId, node: byId.get(nodeId) as NodeSpec }),
    completion: { runId, output: graph.output, sinks: sinkNodeIds(graph.nodes) },
  };
}
