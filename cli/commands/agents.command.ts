import { applyAgent, type AgentListing, listAgents } from '../../domain/agents/agents.service.ts';
import { findWorkspace } from '../../domain/tenants/tenants.service.ts';
import { type Command, requiredFlag } from '../command.ts';
import { withAdminDb } from './admin-connections.ts';
import { readDocument } from './workflows.command.ts';

const agentsApplyCommand: Command = {
  name: 'agents apply',
  summary: 'Create or update a custom agent from a JSON file (by name; a changed file is a new version)',
  usage: 'dagen agents apply --workspace W --file F [--json]',
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    const doc = await readDocument(requiredFlag(ctx, 'file'));
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      const applied = await applyAgent(em, ctx.config.models, ws.id, doc);
      return { id: applied.id, name: applied.name, version: applied.version, changed: applied.changed };
    });
  },
  render: (r) => {
    const { id, version, changed } = r as { id: string; version: number; changed: boolean };
    return changed ? `Saved agent ${id} as version ${version}` : `Agent ${id} unchanged (version ${version})`;
  },
};

const agentsListCommand: Command = {
  name: 'agents list',
  summary: 'List the agents a workspace can call (builtin, then custom)',
  usage: 'dagen agents list --workspace W [--json]',
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      return { agents: await listAgents(em, ctx.config.models, ws.id) };
    });
  },
  render: (r) => {
    const { agents } = r as { agents: AgentListing[] };
    return agents
      .map(
        (a) =>
          `${a.id.padEnd(36)}  ${(a.version === null ? '-' : `v${a.version}`).padEnd(5)}  ${a.model}  ${a.name}`,
      )
      .join('\n');
  },
};

export const AGENT_COMMANDS: Command[] = [agentsApplyCommand, agentsListCommand];
