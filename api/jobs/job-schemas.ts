import { z } from 'zod';
import { JOB_STATUSES, STEP_STATUSES } from '../../core/run-status.ts';
import { JOB_SOURCES } from '../../domain/jobs/job-view.ts';
import { named, timestamp, uuid } from '../openapi/schemas.ts';
import { nextCursorSchema, nullableTimestamp, pageQuery, pathId } from '../runs/run-schemas.ts';

/** The schemas of the job endpoints: what they accept (validated) and what they answer (typed). */

export const jobIdParams = z.object({
  job_id: pathId('Job', "A job of the key's workspace; anything else (including a non-UUID) is a 404."),
});

/** An agent id: a builtin's `builtin:<name>` or a custom agent's uuid. */
const AGENT_ID =
  /^(builtin:[a-z0-9_-]{1,64}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

export const jobListQuery = z.object({
  agent_id: z
    .string()
    .regex(AGENT_ID, 'must be builtin:<name> or a uuid')
    .toLowerCase()
    .optional()
    .meta({ description: 'Only jobs of this agent: `builtin:<name>` or a custom agent’s uuid.' }),
  status: z.enum(JOB_STATUSES).optional(),
  source: z.enum(JOB_SOURCES).optional().meta({ description: 'Who started the job.' }),
  ...pageQuery,
});

const tokens = z.int().min(0).nullable();

const usageSchema = named(
  'JobUsage',
  z
    .object({
      model_calls: z.int().min(0).meta({ description: 'Billed model calls of the job.' }),
      input_tokens: tokens,
      output_tokens: tokens,
      cost_micros: z.int().min(0).nullable().meta({ description: 'Cost in millionths of the price unit.' }),
    })
    .meta({
      description:
        'Sums over the model calls of the job. A total is null when any call left it unknown (the ' +
        'provider reported no tokens, or the model has no price): a partial sum would understate.',
    }),
);

const jobSummarySchema = named(
  'JobSummary',
  z
    .object({
      job_id: uuid,
      agent_id: z.string().meta({ description: '`builtin:<name>` or a custom agent’s uuid.' }),
      agent_version: z
        .int()
        .min(1)
        .nullable()
        .meta({ description: 'The custom agent’s version the job ran.' }),
      session_id: uuid.nullable(),
      source: z.enum(JOB_SOURCES),
      status: z.enum(JOB_STATUSES).meta({
        description:
          '`input_required`: the agent asked a question (its running `request_input` step) and waits ' +
          'for the reply, sent with POST /api/v1/agent/chat and the job’s session_id.',
      }),
      model: z.string().meta({ description: '`<provider>/<model>` the turn calls.' }),
      message: z.string(),
      context: z.unknown().meta({ description: 'The JSON context sent with the message, or null.' }),
      final_message: z.string().nullable(),
      error: z.string().nullable(),
      api_key_id: uuid.nullable(),
      run_id: uuid.nullable().meta({ description: 'The run whose `agent` node started the job.' }),
      created_at: timestamp,
      started_at: nullableTimestamp,
      finished_at: nullableTimestamp,
      duration_ms: z.int().min(0).nullable(),
      usage: usageSchema,
    })
    .meta({ description: 'A job without its steps, as a list shows it.' }),
);

const jobStepSchema = named(
  'JobStep',
  z.object({
    seq: z.int().min(0),
    kind: z.enum(['model', 'tool']),
    name: z.string().meta({ description: 'The model (`<provider>/<model>`) or the tool.' }),
    status: z.enum(STEP_STATUSES),
    input: z.unknown(),
    output: z.unknown(),
    error: z.string().nullable(),
    input_tokens: tokens,
    output_tokens: tokens,
    started_at: nullableTimestamp,
    finished_at: nullableTimestamp,
    duration_ms: z.int().nullable(),
  }),
);

export const jobSchema = named(
  'Job',
  jobSummarySchema
    .extend({ steps: z.array(jobStepSchema) })
    .meta({ description: 'A job with its model and tool steps in the order the turn made them.' }),
);

export const jobPageSchema = named(
  'JobPage',
  z.object({
    jobs: z.array(jobSummarySchema),
    next_cursor: nextCursorSchema,
  }),
);
