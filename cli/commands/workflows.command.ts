import { readFile } from 'node:fs/promises';
import { findWorkspace } from '../../domain/tenants/tenants.service.ts';
import {
  applyDefinition,
  listDefinitions,
  type DefinitionView,
} from '../../domain/definitions/definitions.service.ts';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../../db/entities/workflow-definition.entity.ts';
import { type Command, requiredFlag, stringFlag, UsageError } from '../command.ts';
import { withAdminDb } from './admin-connections.ts';

const workflowsApplyCommand: Command = {
  name: 'workflows apply',
  summary: 'Create or update a workflow from a JSON definition file (by name; every save is a new version)',
  usage: 'dagen workflows apply --workspace W --file F [--json]',
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    const doc = await readDocument(requiredFlag(ctx, 'file'));
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      const applied = await applyDefinition(em, ws.id, doc);
      return { id: applied.id, version: applied.version };
    });
  },
  render: (r) => {
    const { id, version } = r as { id: string; version: number };
    return `Saved workflow ${id} as version ${version}`;
  },
};

const workflowsListCommand: Command = {
  name: 'workflows list',
  summary: "List a workspace's workflows",
  usage: `dagen workflows list --workspace W [--status ${WORKFLOW_STATUSES.join('|')}] [--json]`,
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    const status = stringFlag(ctx, 'status');
    if (status !== undefined && !WORKFLOW_STATUSES.includes(status as WorkflowStatus)) {
      throw new UsageError(`--status must be one of ${WORKFLOW_STATUSES.join(', ')}`);
    }
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      return {
        workflows: await listDefinitions(em, ws.id, {
          status: status as WorkflowStatus | undefined,
          order: 'name',
        }),
      };
    });
  },
  render: (r) => {
    const { workflows } = r as { workflows: DefinitionView[] };
    if (workflows.length === 0) return 'No workflows';
    return workflows.map((w) => `${w.id}  v${w.version}  ${w.status.padEnd(8)}  ${w.name}`).join('\n');
  },
};

/** A JSON file given on the command line, parsed; unreadable or invalid is a usage error. */
export async function readDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export const WORKFLOW_COMMANDS: Command[] = [workflowsApplyCommand, workflowsListCommand];
