import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from './common.ts';

/**
 * A workspace secret, encrypted with AES-256-GCM (domain/secrets/secret-cipher.ts). Only the
 * ciphertext, its IV and tag, and which key sealed it are stored; never the value.
 */
export const WorkspaceSecret = defineEntity({
  name: 'WorkspaceSecret',
  tableName: 'workspace_secrets',
  uniques: [{ properties: ['workspaceId', 'name'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    name: p.string().length(64),
    ciphertext: p.blob(),
    iv: p.blob(),
    authTag: p.blob(),
    /** Fingerprint of the key that sealed it, so a key rotation knows what to re-encrypt. */
    keyId: p.string().length(16),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
