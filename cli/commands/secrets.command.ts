import {
  deleteSecret,
  listSecrets,
  secretCipher,
  setSecret,
  type SecretSummary,
} from '../../domain/secrets/secrets.service.ts';
import { findWorkspace } from '../../domain/tenants/tenants.service.ts';
import { resolveSecretsKey } from '../../infra/data-dir.ts';
import type { EntityManager } from '../../db/orm.ts';
import { type Command, type CommandContext, requiredFlag, UsageError } from '../command.ts';
import { readSecretValue } from '../secret-input.ts';
import { withAdminDb } from './admin-connections.ts';

const secretsSetCommand: Command = {
  name: 'secrets set',
  summary: 'Create or replace a workspace secret; the value is read from stdin',
  usage: 'printf %s "$TOKEN" | dagen secrets set --workspace W NAME [--json]',
  async run(ctx) {
    const name = onlySecretName(ctx.args, 'secrets set --workspace W NAME');
    const cipher = secretCipher(resolveSecretsKey(ctx.config, { create: false }));
    const value = await readSecretValue();
    return inWorkspace(ctx, (em, workspaceId) => setSecret(em, cipher, workspaceId, name, value));
  },
  render: (r) => {
    const s = r as SecretSummary & { replaced: boolean; workspace_id: string };
    return `${s.replaced ? 'Replaced' : 'Created'} secret ${s.name} in workspace ${s.workspace_id}`;
  },
};

const secretsListCommand: Command = {
  name: 'secrets list',
  summary: "List a workspace's secrets (names and dates, never values)",
  usage: 'dagen secrets list --workspace W [--json]',
  async run(ctx) {
    return inWorkspace(ctx, async (em, workspaceId) => ({ secrets: await listSecrets(em, workspaceId) }));
  },
  render: (r) => {
    const { secrets } = r as { secrets: SecretSummary[] };
    if (secrets.length === 0) return 'No secrets';
    return secrets.map((s) => `${s.name.padEnd(32)}  updated ${s.updated_at}`).join('\n');
  },
};

const secretsDeleteCommand: Command = {
  name: 'secrets delete',
  summary: 'Delete a workspace secret; nodes that use it fail until it is set again',
  usage: 'dagen secrets delete --workspace W NAME [--json]',
  async run(ctx) {
    const name = onlySecretName(ctx.args, 'secrets delete --workspace W NAME');
    return inWorkspace(ctx, async (em, workspaceId) => {
      await deleteSecret(em, workspaceId, name);
      return { name, deleted: true };
    });
  },
  render: (r) => `Deleted secret ${(r as { name: string }).name}`,
};

export const SECRET_COMMANDS: Command[] = [secretsSetCommand, secretsListCommand, secretsDeleteCommand];

/** Runs `action` in the workspace that `--workspace` names (id or name); its id leads the result. */
async function inWorkspace<T extends object>(
  ctx: CommandContext,
  action: (em: EntityManager, workspaceId: string) => Promise<T>,
): Promise<{ workspace_id: string } & T> {
  const workspace = requiredFlag(ctx, 'workspace');
  return withAdminDb(ctx.config, async (em) => {
    const { id } = await findWorkspace(em, workspace);
    return { workspace_id: id, ...(await action(em, id)) };
  });
}

function onlySecretName(args: readonly string[], usage: string): string {
  if (args.length !== 1) throw new UsageError(`usage: dagen ${usage} (the value comes from stdin)`);
  return args[0]!;
}
