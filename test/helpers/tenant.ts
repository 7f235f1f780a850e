import { randomUUID } from 'node:crypto';
import { createApiKey, type Scope } from '../../domain/keys/api-keys.service.ts';
import { User, Workspace } from '../../db/entities/index.ts';
import type { Harness } from './harness.ts';

export interface Tenant {
  readonly workspaceId: string;
  readonly ownerId: string;
  readonly apiKeyId: string;
  /** Plaintext key for the X-API-Key header. */
  readonly key: string;
}

/** A fresh workspace with one owner and one key; names are unique so test files never collide. */
export async function createTenant(
  h: Harness,
  options: { scopes?: Scope[]; rateLimitPerMinute?: number } = {},
): Promise<Tenant> {
  const em = h.services.orm.em.fork();
  const workspace = em.create(Workspace, { name: `test-${randomUUID()}` });
  const owner = em.create(User, { workspaceId: workspace.id, email: `owner-${randomUUID()}@example.test` });
  await em.flush();
  const created = await createApiKey(em, h.config.keyPepper!, {
    workspaceId: workspace.id,
    ownerId: owner.id,
    name: 'test key',
    scopes: options.scopes ?? ['agents', 'workflows'],
    rateLimitPerMinute: options.rateLimitPerMinute ?? 600,
  });
  return { workspaceId: workspace.id, ownerId: owner.id, apiKeyId: created.id, key: created.plaintext };
}
