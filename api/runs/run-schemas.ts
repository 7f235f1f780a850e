import { z } from 'zod';
import { storageIssue } from '../../core/dag/storable.ts';
import { RUN_STATUSES, STEP_STATUSES } from '../../core/run-status.ts';
import { RUN_CURSOR_PATTERN } from '../../domain/runs/run-cursor.ts';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from '../../domain/runs/run-query.service.ts';
import { MAX_JSON_DEPTH } from '../../http/middleware/json-body.ts';
import { named, refOf, timestamp, uuid } from '../openapi/schemas.ts';

/** The schemas of the run endpoints: what they accept (validated) and what they answer (typed). */

export const WAIT_TIMEOUT_DEFAULT_SECONDS = 300;
const WAIT_TIMEOUT_MAX_SECONDS = 600;

/** A path id; one that is not a UUID cannot name anything, so it gets the unknown id's 404. */
export function pathId(what: 'Workflow' | 'Run' | 'Job', description: string) {
  return z
    .guid({ error: `${what} not found` })
    .toLowerCase()
    .meta({ description });
}

export const workflowIdParams = z.object({ id: pathId('Workflow', 'The workflow id.') });
export const runIdParams = z.object({
  run_id: pathId('Run', "A run of the key's workspace; anything else (including a non-UUID) is a 404."),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const startHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY, 'must be 1 to 255 printable ASCII characters without spaces')
    .optional()
    .meta({ description: '1-255 printable ASCII characters without spaces, unique per request you mean.' }),
});

/**
 * Text jsonb can store: no NUL. Nor an unpaired surrogate, which no pattern can say: a JSON Schema
 * string is Unicode text (I-JSON, RFC 7493), and validators built on Unicode strings (Rust's, which
 * schemathesis uses) cannot even hold one. The description says it instead.
 */
// eslint-disable-next-line no-control-regex -- NUL is the one character it refuses.
const storableText = z.string().regex(/^[^\u0000]*$/);

/**
 * The document's picture of what `storageIssue` lets through: any JSON whose strings and keys are
 * storable text. Recursive, so it is a named schema that refers to itself. Validation stays with
 * `storageIssue`, which names the offending path and walks without recursion.
 */
const storableJson: z.ZodType = named(
  'StorableJson',
  z
    .lazy(() =>
      z.union([
        z.null(),
        z.boolean(),
        z.number(),
        storableText,
        z.array(storableJson),
        z.record(storableText, storableJson),
      ]),
    )
    .meta({ description: 'Any JSON whose strings and keys hold no NUL and no unpaired surrogate.' }),
);

/** Refuses what Postgres cannot store (NUL, unpaired surrogates) with a 400 naming where it is. */
function refuseUnstorable(value: unknown, ctx: z.RefinementCtx): void {
  const issue = storageIssue(value);
  if (issue) ctx.addIssue({ code: 'custom', message: `${issue.at ? `"${issue.at}" ` : ''}${issue.message}` });
}

/** An optional body field holding any JSON that Postgres can store in jsonb. */
export function storableJsonField(description: string) {
  return z
    .unknown()
    .optional()
    .superRefine(refuseUnstorable)
    .meta({ ...refOf(storableJson), description });
}

/** A string that Postgres can store as text. */
export const storableString = z.string().superRefine(refuseUnstorable);

export const startBody = z
  .strictObject({
    input_data: storableJsonField(
      `The run's input (default \`{}\`): any JSON nesting arrays and objects at most ` +
        `${MAX_JSON_DEPTH - 1} levels deep (the whole body: ${MAX_JSON_DEPTH}; deeper is a 400); ` +
        'strings may not hold NUL or unpaired surrogates.',
    ),
    wait: z.boolean().optional().meta({ default: false }),
    timeout: z.number().positive().max(WAIT_TIMEOUT_MAX_SECONDS).optional().meta({
      default: WAIT_TIMEOUT_DEFAULT_SECONDS,
      description: 'Seconds to wait; only together with `wait: true`.',
    }),
  })
  .refine((b) => b.timeout === undefined || b.wait === true, {
    message: 'timeout is only allowed together with wait: true',
  })
  // The refinement above is invisible to JSON Schema; the document states the same rule structurally.
  .meta({
    if: { required: ['timeout'] },
    then: { required: ['wait'], properties: { wait: { const: true } } },
  });

/** The paging parameters every keyset listing takes (runs, jobs). */
export const pageQuery = {
  cursor: z
    .union([z.literal(''), z.string().regex(RUN_CURSOR_PATTERN, 'is not one this API returned')])
    .optional()
    .meta({ description: '`next_cursor` of the previous page; empty or absent for the first page.' }),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.int().min(1).max(LIST_LIMIT_MAX))
    .optional()
    .meta({ default: LIST_LIMIT_DEFAULT }),
};

export const listQuery = z.object({
  workflow_id: uuid.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  ...pageQuery,
});

export const nullableTimestamp = timestamp.nullable();

const runSummarySchema = named(
  'RunSummary',
  z
    .object({
      id: uuid,
      run_id: uuid.meta({ description: 'Same as `id`.' }),
      status: z.enum(RUN_STATUSES),
      workflow_id: uuid,
      workflow_version: z.int().min(1).meta({ description: 'The saved version this run executes.' }),
      error_message: z.string().nullable(),
      duration_seconds: z.number().nullable().meta({ description: 'From start (or creation) to finish.' }),
      trigger: z.object({
        source: z.string().meta({ examples: ['external_api'] }),
        api_key_id: uuid.nullable(),
      }),
      created_at: timestamp,
      started_at: nullableTimestamp,
      finished_at: nullableTimestamp,
    })
    .meta({ description: 'A run without its data and steps, as a list shows it.' }),
);

const stepSchema = named(
  'Step',
  z.object({
    node_id: z.string(),
    name: z.string(),
    type: z.string(),
    status: z.enum(STEP_STATUSES),
    attempt: z.int().min(0),
    input: z.unknown().meta({ description: 'The resolved `with` of the node.' }),
    output: z.unknown(),
    error: z.string().nullable(),
    started_at: nullableTimestamp,
    finished_at: nullableTimestamp,
    duration_ms: z.int().nullable(),
  }),
);

export const runSchema = named(
  'Run',
  runSummarySchema
    .extend({
      input_data: z.unknown(),
      output_data: z
        .unknown()
        .meta({ description: 'The `output` expression, or the outputs of the sink nodes keyed by id.' }),
      steps: z.array(stepSchema),
    })
    .meta({ description: 'A run with its data and its steps in execution order.' }),
);

/** `next_cursor` of every keyset listing's page. */
export const nextCursorSchema = z
  .string()
  .nullable()
  .meta({ description: 'Pass as `cursor` for the next (older) page; null on the last page.' });

export const runPageSchema = named(
  'RunPage',
  z.object({
    runs: z.array(runSummarySchema),
    next_cursor: nextCursorSchema,
  }),
);

export const acceptedRunSchema = named(
  'AcceptedRun',
  z
    .union([runSummarySchema, runSchema])
    .meta({ description: 'A run just accepted (a summary), or a full run that has not ended yet.' }),
);
