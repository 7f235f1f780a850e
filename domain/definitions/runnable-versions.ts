import type { DefinitionProblem } from '../../core/dag/definition.ts';
import { LruMap } from '../../core/lru-map.ts';
import { validateGraph } from '../../core/dag/validate.ts';
import { WorkflowVersion } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { compileInputSchema, type InputValidator } from './input-schema.ts';

/** A saved version as a run start needs it: whether its graph is valid, and its input check. */
export interface RunnableVersion {
  readonly problems: readonly DefinitionProblem[];
  /** Absent when the version has no input_schema. */
  readonly validateInput: InputValidator | undefined;
  /** Set when the stored input_schema no longer compiles. */
  readonly schemaError: string | undefined;
}

const DEFAULT_CAPACITY = 500;

/**
 * Versions are immutable, so what a run start derives from one (graph validation, compiled input
 * schema) is computed once per process and kept in a small LRU keyed by workflow id and version.
 */
export class RunnableVersions {
  private readonly entries: LruMap<string, RunnableVersion>;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.entries = new LruMap(capacity);
  }

  /** The version, or undefined when no such version row exists. */
  async get(em: EntityManager, workflowId: string, version: number): Promise<RunnableVersion | undefined> {
    const key = `${workflowId}:${version}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const row = await em.findOne(WorkflowVersion, { workflowId, version });
    if (!row) return undefined;
    const entry = prepare(row.graph, row.inputSchema ?? null);
    this.entries.set(key, entry);
    return entry;
  }
}

function prepare(
  graph: Record<string, unknown>,
  inputSchema: Record<string, unknown> | null,
): RunnableVersion {
  const checked = validateGraph(graph);
  const problems = checked.ok ? [] : checked.problems;
  if (!inputSchema) return { problems, validateInput: undefined, schemaError: undefined };
  try {
    return { problems, validateInput: compileInputSchema(inputSchema), schemaError: undefined };
  } catch (err) {
    return { problems, validateInput: undefined, schemaError: (err as Error).message };
  }
}
