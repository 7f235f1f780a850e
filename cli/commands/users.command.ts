import { createUser, findWorkspace, type UserSummary } from '../../domain/tenants/tenants.service.ts';
import { type Command, requiredFlag } from '../command.ts';
import { withAdminDb } from './admin-connections.ts';

export const usersCreateCommand: Command = {
  name: 'users create',
  summary: 'Add a user (a key owner) to a workspace',
  usage: 'dagen users create --email EMAIL --workspace ID_OR_NAME [--json]',
  async run(ctx) {
    const email = requiredFlag(ctx, 'email');
    const workspace = requiredFlag(ctx, 'workspace');
    return withAdminDb(ctx.config, async (em) =>
      createUser(em, (await findWorkspace(em, workspace)).id, email),
    );
  },
  render: (r) => {
    const user = r as UserSummary;
    return `Created user ${user.email} (${user.id}) in workspace ${user.workspace_id}`;
  },
};
