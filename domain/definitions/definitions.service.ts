import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { LIMITS, type DefinitionProblem, type WorkflowGraph } from '../../core/dag/definition.ts';
import { characterCount, sizeProblems, storageIssue } from '../../core/dag/storable.ts';
import { validateGraph } from '../../core/dag/validate.ts';
import { BadRequestError } from '../../core/errors.ts';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../../db/entities/workflow-definition.entity.ts';
import { WorkflowDefinition, WorkflowVersion } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { inputSchemaProblems } from './input-schema.ts';

/** What `applyDefinition` saved. */
export interface AppliedDefinition {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly created: boolean;
}

/** The definition fields outside the graph, checked here; the graph is checked by `validateGraph`. */
interface Envelope {
  name: string;
  description: string | undefined;
  status: WorkflowStatus | undefined;
  inputSchema: Record<string, unknown> | null;
}

/**
 * Creates the workflow named in `doc` in the workspace, or saves a new version of it. Every save
 * bumps the version and writes an immutable `workflow_versions` row; older versions stay, so runs
 * keep executing the version they started with. A new workflow without `status` is a `draft`; an
 * update without `status` keeps the current one. Throws BadRequestError listing every problem.
 */
export async function applyDefinition(
  em: EntityManager,
  workspaceId: string,
  doc: unknown,
): Promise<AppliedDefinition> {
  const { envelope, graph } = checkDocument(doc);
  try {
    return await saveVersion(em.fork(), workspaceId, envelope, graph);
  } catch (err) {
    // Two first saves of the same name raced: the loser retries as an update of the winner.
    if (!(err instanceof UniqueConstraintViolationException)) throw err;
    return saveVersion(em.fork(), workspaceId, envelope, graph);
  }
}

/** Validates a whole document, reporting envelope and graph problems together. */
function checkDocument(doc: unknown): { envelope: Envelope; graph: WorkflowGraph } {
  const checked = validateGraph(doc);
  // validateGraph refuses a document nested too deep to serialize; only a shallower one is measured.
  const measurable = storageIssue(doc)?.kind !== 'too-deep';
  const problems: DefinitionProblem[] = measurable ? sizeProblems(doc, 'definition') : [];
  const envelope = readEnvelope(doc, problems);
  if (!checked.ok) problems.push(...checked.problems);
  if (!checked.ok || problems.length > 0) {
    throw new BadRequestError(`Workflow definition is invalid: ${describeProblems(problems)}`, {
      problems,
    });
  }
  return { envelope, graph: checked.graph };
}

export function describeProblems(problems: readonly DefinitionProblem[]): string {
  return problems.map((p) => (p.node ? `node ${p.node}: ${p.message}` : p.message)).join('; ');
}

function readEnvelope(doc: unknown, problems: DefinitionProblem[]): Envelope {
  const d = (doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : {}) as Record<
    string,
    unknown
  >;
  const name = typeof d.name === 'string' ? d.name.trim() : '';
  if (name === '' || characterCount(name) > LIMITS.maxWorkflowNameLength) {
    problems.push({
      message: `name must be a non-empty string of at most ${LIMITS.maxWorkflowNameLength} characters`,
    });
  }
  if (d.description !== undefined && typeof d.description !== 'string') {
    problems.push({ message: 'description must be a string' });
  }
  const status = d.status as WorkflowStatus | undefined;
  if (status !== undefined && !WORKFLOW_STATUSES.includes(status)) {
    problems.push({ message: `status must be one of ${WORKFLOW_STATUSES.join(', ')}` });
  }
  for (const message of inputSchemaProblems(d.input_schema)) problems.push({ message });
  return {
    name,
    description: typeof d.description === 'string' ? d.description : undefined,
    status,
    inputSchema: (d.input_schema as Record<string, unknown> | null | undefined) ?? null,
  };
}

async function saveVersion(
  em: EntityManager,
  workspaceId: string,
  envelope: Envelope,
  graph: WorkflowGraph,
): Promise<AppliedDefinition> {
  return em.transactional(async (tx) => {
    // The row lock serializes concurrent saves of one workflow, so each gets its own version number.
    const existing = await tx.findOne(
      WorkflowDefinition,
      { workspaceId, name: envelope.name },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    const definition =
      existing ??
      tx.create(WorkflowDefinition, {
        workspaceId,
        name: envelope.name,
        version: 0,
        graph: {},
        status: 'draft',
      });
    definition.version += 1;
    definition.graph = graph as unknown as Record<string, unknown>;
    definition.inputSchema = envelope.inputSchema;
    if (envelope.description !== undefined) definition.description = envelope.description;
    if (envelope.status !== undefined) definition.status = envelope.status;
    tx.create(WorkflowVersion, {
      workflowId: definition.id,
      version: definition.version,
      graph: definition.graph,
      inputSchema: envelope.inputSchema,
    });
    await tx.flush();
    return { id: definition.id, name: definition.name, version: definition.version, created: !existing };
  });
}

/** A definition as the API and CLI list it. */
export interface DefinitionView {
  id: string;
  name: string;
  description: string;
  status: WorkflowStatus;
  version: number;
  created_at: string;
  updated_at: string;
  last_run_at: string | null;
}

/** How a listing is ordered: the API shows the newest first, the CLI sorts by name. */
export type DefinitionOrder = 'newest' | 'name';

const LISTED_FIELDS = [
  'id',
  'name',
  'description',
  'status',
  'version',
  'createdAt',
  'updatedAt',
  'lastRunAt',
] as const;

/** The workspace's workflows, optionally only those with one status; graphs are not loaded. */
export async function listDefinitions(
  em: EntityManager,
  workspaceId: string,
  options: { status?: WorkflowStatus | undefined; order: DefinitionOrder },
): Promise<DefinitionView[]> {
  const { status, order } = options;
  const rows = await em.find(WorkflowDefinition, status ? { workspaceId, status } : { workspaceId }, {
    fields: [...LISTED_FIELDS],
    orderBy: order === 'newest' ? { createdAt: 'desc', id: 'asc' } : { name: 'asc' },
  });
  return rows.map((d) => ({
    id: d.id,
    name: d.name,
    description: d.description,
    status: d.status,
    version: d.version,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    last_run_at: d.lastRunAt?.toISOString() ?? null,
  }));
}
