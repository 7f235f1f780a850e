import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '../../db/orm.ts';
import { SecretCipherError, type SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import { SecretRedactor } from '../../domain/secrets/secret-redactor.ts';
import { revealSecrets, SecretUnavailableError } from '../../domain/secrets/secrets.service.ts';
import type { SecretSlot } from '../expressions/expression-job.ts';

/**
 * A node's secrets, inside the one activity that runs it: `input` is its resolved `with` with the
 * `{{ secrets.NAME }}` templates filled in (only what the node references is read and decrypted),
 * `redactor` masks those values in anything the activity records, returns or throws.
 */
export interface NodeSecrets {
  readonly input: Record<string, unknown>;
  readonly redactor: SecretRedactor;
}

const NO_SECRETS = new SecretRedactor([]);

/** `recorded`: the resolved `with` as the step records it, secrets masked; `slots`: where they go. */
export async function fillSecrets(
  em: EntityManager,
  cipher: SecretCipher | undefined,
  workspaceId: string,
  recorded: Record<string, unknown>,
  slots: readonly SecretSlot[] | undefined,
): Promise<NodeSecrets> {
  if (!slots?.length) return { input: recorded, redactor: NO_SECRETS };
  const names = slots.flatMap((slot) =>
    slot.pieces.flatMap((p) => (typeof p === 'string' ? [] : [p.secret])),
  );
  let values: Map<string, string>;
  try {
    values = await revealSecrets(em, cipher, workspaceId, names);
  } catch (err) {
    // The same on every attempt until someone sets the secret or the key: no retry.
    if (err instanceof SecretUnavailableError || err instanceof SecretCipherError)
      throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
  const input = structuredClone(recorded);
  for (const slot of slots) {
    const text = slot.pieces.map((p) => (typeof p === 'string' ? p : values.get(p.secret)!)).join('');
    setAt(input, slot.path, text);
  }
  return { input, redactor: new SecretRedactor(values.values()) };
}

function setAt(root: Record<string, unknown>, path: readonly (string | number)[], value: string): void {
  let parent: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  // Defined, not assigned: a key named `__proto__` in `with` is data like any other.
  Object.defineProperty(parent, path[path.length - 1]!, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
