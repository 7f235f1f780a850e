import { createWorkspace, type WorkspaceSummary } from '../../domain/tenants/tenants.service.ts';
import { type Command, requiredFlag } from '../command.ts';
import { withAdminDb } from './admin-connections.ts';

export const workspacesCreateCommand: Command = {
  name: 'workspaces create',
  summary: 'Create a workspace (tenant)',
  usage: 'dagen workspaces create --name NAME [--json]',
  async run(ctx) {
    const name = requiredFlag(ctx, 'name');
    return withAdminDb(ctx.config, (em) => createWorkspace(em, name));
  },
  render: (r) => {
    const ws = r as WorkspaceSummary;
    return `Created workspace ${ws.name} (${ws.id})`;
  },
};
