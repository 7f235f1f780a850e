import { defineEntity, p } from '@mikro-orm/core';
import { idColumn, stepRecordColumns } from './common.ts';

/** One model call or tool call of a job, numbered in the order the turn made them. */
export const JobStep = defineEntity({
  name: 'JobStep',
  tableName: 'job_steps',
  uniques: [{ properties: ['jobId', 'seq'] }],
  properties: {
    id: idColumn(),
    ...stepRecordColumns(),
    jobId: p.uuid(),
    seq: p.integer(),
    kind: p.enum(['model', 'tool'] as const).$type<'model' | 'tool'>(),
    /** The model (`<provider>/<model>`) or the tool's name. */
    name: p.string(),
    /** The provider's id for a tool call, linking a tool step to the model step that asked for it. */
    toolCallId: p.string().nullable(),
    inputTokens: p.integer().nullable(),
    outputTokens: p.integer().nullable(),
  },
});
