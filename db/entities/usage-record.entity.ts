import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** One billed model call. Tokens are null when the provider reported none (unknown, never 0). */
export const UsageRecord = defineEntity({
  name: 'UsageRecord',
  tableName: 'usage_records',
  indexes: [{ properties: ['workspaceId', 'createdAt'] }, { properties: ['apiKeyId', 'createdAt'] }],
  properties: {
    id: idColumn(),
    /** One per model call (e.g. `job:<id>:<seq>`): a retried activity can never charge twice. */
    chargeKey: p.string().unique(),
    workspaceId: p.uuid(),
    ownerId: p.uuid(),
    apiKeyId: p.uuid().nullable(),
    jobId: p.uuid().nullable(),
    runId: p.uuid().nullable(),
    agentId: p.string().nullable(),
    provider: p.string(),
    model: p.string(),
    inputTokens: p.integer().nullable(),
    outputTokens: p.integer().nullable(),
    /** Exact integer micro-units; null when the model has no price (then `priced` is false). */
    costMicros: p.bigint('number').nullable(),
    priced: p.boolean(),
    createdAt: createdAtColumn(),
  },
});
