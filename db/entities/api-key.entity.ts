import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** An External API key. Only an HMAC of the secret is stored, with a short display prefix. */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  indexes: [{ properties: ['workspaceId'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    ownerId: p.uuid(),
    name: p.string(),
    prefix: p.string(),
    keyHash: p.string().unique(),
    scopes: p.array(),
    active: p.boolean().default(true),
    expiresAt: p.datetime().nullable(),
    rateLimitPerMinute: p.integer().default(60),
    createdAt: createdAtColumn(),
    lastUsedAt: p.datetime().nullable(),
    totalRequests: p.bigint('number').default(0),
    revokedAt: p.datetime().nullable(),
    rotatedToId: p.uuid().nullable(),
    /** Spend cap per calendar month (UTC) in micro-units; null means no cap. */
    monthlyBudgetMicros: p.bigint('number').nullable(),
  },
});
