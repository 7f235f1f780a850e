import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';
import { STEP_STATUSES, type StepStatus } from '../../core/run-status.ts';
import type { JsonValue } from '../../core/run-status.ts';

/** One node of a run; at most one row per (run, node), updated in place across retries. */
export const RunStep = defineEntity({
  name: 'RunStep',
  tableName: 'run_steps',
  uniques: [{ properties: ['runId', 'nodeId'] }],
  properties: {
    id: idColumn(),
    runId: p.uuid(),
    nodeId: p.string(),
    name: p.string(),
    type: p.string(),
    status: p.enum(STEP_STATUSES).$type<StepStatus>(),
    attempt: p.integer().default(0),
    input: p.json<JsonValue>().nullable(),
    output: p.json<JsonValue>().nullable(),
    error: p.text().nullable(),
    createdAt: createdAtColumn(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    durationMs: p.integer().nullable(),
  },
});
