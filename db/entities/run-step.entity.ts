import { defineEntity, p } from '@mikro-orm/core';
import { idColumn, stepRecordColumns } from './common.ts';

/** One node of a run; at most one row per (run, node), updated in place across retries. */
export const RunStep = defineEntity({
  name: 'RunStep',
  tableName: 'run_steps',
  uniques: [{ properties: ['runId', 'nodeId'] }],
  properties: {
    id: idColumn(),
    ...stepRecordColumns(),
    runId: p.uuid(),
    nodeId: p.string(),
    name: p.string(),
    type: p.string(),
    attempt: p.integer().default(0),
  },
});
