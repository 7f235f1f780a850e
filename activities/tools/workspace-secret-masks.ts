import { WorkspaceSecret } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import { SecretRedactor } from '../../domain/secrets/secret-redactor.ts';

/**
 * A redactor for every secret of the workspace: a tool may meet one anywhere (a header echoed by an
 * MCP server, a page that prints a token), and its outcome goes to the model and the job's steps.
 * A secret this process cannot open (another key sealed it) cannot be echoed by it either.
 */
export async function workspaceSecretMasks(
  em: EntityManager,
  cipher: SecretCipher | undefined,
  workspaceId: string,
): Promise<SecretRedactor> {
  if (!cipher) return new SecretRedactor([]);
  const rows = await em.find(WorkspaceSecret, { workspaceId });
  const values = rows.flatMap((row) => {
    try {
      return [cipher.open(workspaceId, row.name, row)];
    } catch {
      return [];
    }
  });
  return new SecretRedactor(values);
}
