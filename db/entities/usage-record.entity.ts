import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** One metered model call charged to a user; unique per (job, step) so a retry never charges twice. */
export const UsageRecord = defineEntity({
  name: 'UsageRecord',
  tableName: 'usage_records',
  indexes: [{ properties: ['workspaceId', 'createdAt'] }, { properties: ['userId', 'createdAt'] }],
  uniques: [{ properties: ['jobId', 'stepSeq'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    userId: p.uuid().nullable(),
    apiKeyId: p.uuid().nullable(),
    jobId: p.uuid(),
    stepSeq: p.integer(),
    model: p.string(),
    tokensIn: p.integer(),
    tokensOut: p.integer(),
    costMicros: p.bigint('number').default(0),
    createdAt: createdAtColumn(),
  },
});
