import { ApplicationFailure } from '@temporalio/common';
import type { DefinitionProblem, NodeSpec, WorkflowGraph } from '../core/dag/definition.ts';
import { validateGraph } from '../core/dag/validate.ts';
import type { NodeTask } from '../core/engine/dag-contract.ts';
import { LruMap } from '../core/lru-map.ts';
import { WorkflowVersion } from '../db/entities/index.ts';
import type { MikroORM } from '../db/orm.ts';

interface VersionRow {
  id: string;
  graph: Record<string, unknown>;
}

/** A pinned version checked once: its validated (normalized) graph with its nodes by id, or its problems. */
export type CheckedVersion =
  | { ok: true; graph: WorkflowGraph; nodes: ReadonlyMap<string, NodeSpec> }
  | { ok: false; problems: DefinitionProblem[] };

/**
 * The validated graphs of pinned versions, by version id. The workflow names nodes by id and each
 * activity reads its node here; versions never change, so a worker keeps the recent ones (an LRU of
 * `capacity` versions) and reads and validates each once.
 */
export class PinnedGraphs {
  readonly #orm: MikroORM;
  readonly #versions: LruMap<string, CheckedVersion>;

  constructor(orm: MikroORM, capacity: number) {
    this.#orm = orm;
    this.#versions = new LruMap(capacity);
  }

  /** The row's graph checked, remembered under its version id (`planRun` passes the row it read). */
  check(row: VersionRow): CheckedVersion {
    const hit = this.#versions.get(row.id);
    if (hit) return hit;
    const validation = validateGraph(row.graph);
    const checked: CheckedVersion = validation.ok
      ? {
          ok: true,
          graph: validation.graph,
          nodes: new Map(validation.graph.nodes.map((node) => [node.id, node])),
        }
      : validation;
    this.#versions.set(row.id, checked);
    return checked;
  }

  /** A version's checked graph, read and checked on a miss; undefined: no such version. */
  async load(versionId: string): Promise<CheckedVersion | undefined> {
    const hit = this.#versions.get(versionId);
    if (hit) return hit;
    const em = this.#orm.em.fork();
    const row = await em.findOne(WorkflowVersion, versionId, { fields: ['id', 'graph'] });
    return row ? this.check(row) : undefined;
  }

  /** The graph of a pinned version that `planRun` found valid. */
  async graph(versionId: string): Promise<Extract<CheckedVersion, { ok: true }>> {
    const checked = await this.load(versionId);
    if (!checked)
      throw ApplicationFailure.nonRetryable(`version ${versionId} does not exist`, 'VersionMissing');
    if (!checked.ok)
      throw ApplicationFailure.nonRetryable(`version ${versionId} is not a valid workflow`, 'InvalidVersion');
    return checked;
  }

  /** The node a task names: carried whole (runs from before `run-plan-by-id`) or read from its version. */
  async node(task: NodeTask): Promise<NodeSpec> {
    if ('node' in task) return task.node;
    const node = (await this.graph(task.versionId)).nodes.get(task.nodeId);
    if (!node)
      throw ApplicationFailure.nonRetryable(
        `node "${task.nodeId}" is not in version ${task.versionId}`,
        'NodeMissing',
      );
    return node;
  }
}
