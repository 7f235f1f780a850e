import type { McpServerRef } from '../../core/agents/agent-spec.ts';
import type { EntityManager } from '../../db/orm.ts';
import { SecretCipherError, type SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import { SecretRedactor } from '../../domain/secrets/secret-redactor.ts';
import { revealSecrets, SecretUnavailableError } from '../../domain/secrets/secrets.service.ts';

/** A header value that is exactly one secret reference; anything else is sent as written. */
const SECRET_HEADER = /^\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}$/;

/** The server's headers cannot be had (a secret not set, no key): the same on every retry. */
export class McpConfigError extends Error {
  override readonly name = 'McpConfigError';
}

export interface ResolvedHeaders {
  readonly headers: Record<string, string>;
  /** Masks the secret values these headers carry. */
  readonly redactor: SecretRedactor;
}

/** The server's headers with `{{ secrets.NAME }}` values filled in from the workspace's secrets. */
export async function resolveMcpHeaders(
  em: EntityManager,
  cipher: SecretCipher | undefined,
  workspaceId: string,
  server: McpServerRef,
): Promise<ResolvedHeaders> {
  const refs = Object.entries(server.headers).map(
    ([name, value]) => [name, value, SECRET_HEADER.exec(value)?.[1]] as const,
  );
  const names = refs.flatMap(([, , secret]) => (secret ? [secret] : []));
  if (names.length === 0) return { headers: { ...server.headers }, redactor: new SecretRedactor([]) };
  if (!cipher) {
    throw new McpConfigError(
      `MCP server '${server.name}' uses secrets, but the worker has no DAGEN_SECRETS_KEY to decrypt them`,
    );
  }
  let values: Map<string, string>;
  try {
    values = await revealSecrets(em, cipher, workspaceId, names);
  } catch (err) {
    // Its messages name the secret, never its value.
    if (err instanceof SecretUnavailableError || err instanceof SecretCipherError) {
      throw new McpConfigError(`MCP server '${server.name}': ${err.message}`);
    }
    throw err;
  }
  const headers = Object.fromEntries(
    refs.map(([name, value, secret]) => [name, secret ? values.get(secret)! : value]),
  );
  return { headers, redactor: new SecretRedactor(values.values()) };
}
