import type { EntityManager } from '../../db/orm.ts';
import { ApiKey } from '../../db/entities/index.ts';
import { displayPrefix, generateKey, hashKey } from './key-format.ts';

export const SCOPES = ['agents', 'workflows'] as const;
export type Scope = (typeof SCOPES)[number];

export interface CreateApiKeyInput {
  workspaceId: string;
  ownerId: string;
  name: string;
  scopes: Scope[];
  rateLimitPerMinute?: number;
  expiresAt?: Date | null;
}

export interface CreatedApiKey {
  readonly id: string;
  /** The plaintext key: returned here once and stored nowhere. */
  readonly plaintext: string;
  readonly prefix: string;
}

/** Creates a key and returns its plaintext once; only the HMAC and a display prefix are stored. */
export async function createApiKey(
  em: EntityManager,
  pepper: string,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  const plaintext = generateKey();
  const row = em.create(ApiKey, {
    workspaceId: input.workspaceId,
    ownerId: input.ownerId,
    name: input.name,
    prefix: displayPrefix(plaintext),
    keyHash: hashKey(plaintext, pepper),
    scopes: [...input.scopes],
    rateLimitPerMinute: input.rateLimitPerMinute ?? 60,
    expiresAt: input.expiresAt ?? null,
  });
  await em.flush();
  return { id: row.id, plaintext, prefix: row.prefix };
}
