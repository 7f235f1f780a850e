import { defineEntity, p } from '@mikro-orm/core';
import { idColumn, stepRecordColumns } from './common.ts';

/** One model call or tool call inside a job, keyed by its sequence number so retries update in place. */
export const JobStep = defineEntity({
  name: 'JobStep',
  tableName: 'job_steps',
  uniques: [{ properties: ['jobId', 'seq'] }],
  properties: {
    id: idColumn(),
    ...stepRecordColumns(),
    jobId: p.uuid(),
    seq: p.integer(),
    kind: p.string(),
    name: p.string(),
  },
});
