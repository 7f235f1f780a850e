import type { InferEntity } from '@mikro-orm/core';
import { LruMap } from '../../core/lru-map.ts';
import { WorkflowDefinition } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';

/** What a run start reads of a workflow: whose it is, its name, current version and status. */
export type DefinitionHead = Pick<
  InferEntity<typeof WorkflowDefinition>,
  'id' | 'workspaceId' | 'name' | 'version' | 'status'
>;

const DEFAULT_CAPACITY = 1000;

/**
 * The heads of recently started workflows, so a start need not read its definition first. A head
 * may be stale (the workflow was edited, paused or deleted since): the run insert re-checks it in
 * the same statement (run-start.service.ts), and a start that finds it stale reads it `fresh`.
 */
export class DefinitionHeads {
  readonly #entries: LruMap<string, DefinitionHead>;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.#entries = new LruMap(capacity);
  }

  /** The workflow's head in the workspace, or null when it has none there. */
  async get(
    em: EntityManager,
    workspaceId: string,
    workflowId: string,
    options: { fresh: boolean },
  ): Promise<DefinitionHead | null> {
    const hit = options.fresh ? undefined : this.#entries.get(workflowId);
    // Only an active head can be confirmed by the insert; any other answer is given from a fresh read.
    if (hit?.workspaceId === workspaceId && hit.status === 'active') return hit;
    const row = await em.findOne(
      WorkflowDefinition,
      { id: workflowId, workspaceId },
      { fields: ['id', 'workspaceId', 'name', 'version', 'status'] },
    );
    if (!row) {
      this.#entries.delete(workflowId);
      return null;
    }
    const head: DefinitionHead = {
      id: row.id,
      workspaceId: row.workspaceId,
      name: row.name,
      version: row.version,
      status: row.status,
    };
    this.#entries.set(workflowId, head);
    return head;
  }
}
