import {
  deleteSecret,
  listSecrets,
  secretCipher,
  setSecret,
  type SecretSummary,
} from '../../domain/secrets/secrets.service.ts';
import { findWorkspace } from '../../domain/tenants/tenants.service.ts';
import { resolveSecretsKey } from '../../infra/data-dir.ts';
import { type Command, requiredFlag, UsageError } from '../command.ts';
import { readSecretValue } from '../secret-input.ts';
import { withAdminDb } from './admin-connections.ts';

const secretsSetCommand: Command = {
  name: 'secrets set',
  summary: 'Create or replace a workspace secret; the value is read from stdin',
  usage: 'printf %s "$TOKEN" | dagen secrets set --workspace W NAME [--json]',
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    const name = onlySecretName(ctx.args, 'secrets set --workspace W NAME');
    const cipher = secretCipher(resolveSecretsKey(ctx.config, { create: false }));
    const value = await readSecretValue();
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      return { workspace_id: ws.id, ...(await setSecret(em, cipher, ws.id, name, value)) };
    });
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
    const workspace = requiredFlag(ctx, 'workspace');
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      return { workspace_id: ws.id, secrets: await listSecrets(em, ws.id) };
    });
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
    const workspace = requiredFlag(ctx, 'workspace');
    const name = onlySecretName(ctx.args, 'secrets delete --workspace W NAME');
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      await deleteSecret(em, ws.id, name);
      return { workspace_id: ws.id, name, deleted: true };
    });
  },
  render: (r) => `Deleted secret ${(r as { name: string }).name}`,
};

export const SECRET_COMMANDS: Command[] = [secretsSetCommand, secretsListCommand, secretsDeleteCommand];

function onlySecretName(args: readonly string[], usage: string): string {
  if (args.length !== 1) throw new UsageError(`usage: dagen ${usage} (the value comes from stdin)`);
  return args[0]!;
}
