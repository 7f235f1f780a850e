import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';
import { STEP_STATUSES, type StepStatus } from '../../core/run-status.ts';
import type { JsonValue } from '../../core/run-status.ts';

/** One model call or tool call inside a job, keyed by its sequence number so retries update in place. */
export const JobStep = defineEntity({
  name: 'JobStep',
  tableName: 'job_steps',
  uniques: [{ properties: ['jobId', 'seq'] }],
  properties: {
    id: idColumn(),
    jobId: p.uuid(),
    seq: p.integer(),
    kind: p.string(),
    name: p.string(),
    status: p.enum(STEP_STATUSES).$type<StepStatus>(),
    input: p.json<JsonValue>().nullable(),
    output: p.json<JsonValue>().nullable(),
    error: p.text().nullable(),
    createdAt: createdAtColumn(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    durationMs: p.integer().nullable(),
  },
});
