import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';
import { JOB_STATUSES, type JobStatus, type TriggerMetadata } from '../../core/run-status.ts';
import type { JsonValue } from '../../core/run-status.ts';

/** One agent chat turn, from any source; its Temporal workflow id is `job:<id>`. */
export const Job = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  indexes: [{ properties: ['workspaceId', 'createdAt'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    ownerId: p.uuid().nullable(),
    agentId: p.string(),
    sessionId: p.uuid().nullable(),
    status: p.enum(JOB_STATUSES).$type<JobStatus>().default('pending'),
    input: p.json<JsonValue>().nullable(),
    output: p.json<JsonValue>().nullable(),
    errorMessage: p.text().nullable(),
    trigger: p.json<TriggerMetadata>(),
    createdAt: createdAtColumn(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  },
});
