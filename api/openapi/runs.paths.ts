import { RUN_STATUSES, STEP_STATUSES } from '../../core/run-status.ts';
import { guardedOperation } from './components.ts';

type Json = Record<string, unknown>;

const timestamp = { type: 'string', format: 'date-time' };
const nullable = (schema: Json) => ({ oneOf: [schema, { type: 'null' }] });
const uuid = { type: 'string', format: 'uuid' };

const runSummary: Json = {
  type: 'object',
  required: ['id', 'run_id', 'status', 'workflow_id', 'workflow_version', 'trigger', 'created_at'],
  properties: {
    id: uuid,
    run_id: { ...uuid, description: 'Same as `id`.' },
    status: { enum: [...RUN_STATUSES] },
    workflow_id: uuid,
    workflow_version: { type: 'integer', minimum: 1, description: 'The saved version this run executes.' },
    error_message: nullable({ type: 'string' }),
    duration_seconds: nullable({ type: 'number', description: 'From start (or creation) to finish.' }),
    trigger: {
      type: 'object',
      properties: { source: { type: 'string', examples: ['external_api'] }, api_key_id: nullable(uuid) },
    },
    created_at: timestamp,
    started_at: nullable(timestamp),
    finished_at: nullable(timestamp),
  },
};

const step: Json = {
  type: 'object',
  properties: {
    node_id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    status: { enum: [...STEP_STATUSES] },
    attempt: { type: 'integer', minimum: 0 },
    input: { description: 'The resolved `with` of the node.' },
    output: {},
    error: nullable({ type: 'string' }),
    started_at: nullable(timestamp),
    finished_at: nullable(timestamp),
    duration_ms: nullable({ type: 'integer' }),
  },
};

const run: Json = {
  ...runSummary,
  required: [...(runSummary.required as string[]), 'input_data', 'output_data', 'steps'],
  properties: {
    ...(runSummary.properties as Json),
    input_data: {},
    output_data: { description: 'The `output` expression, or the outputs of the sink nodes keyed by id.' },
    steps: { type: 'array', items: step },
  },
};

const runIdParam = {
  name: 'run_id',
  in: 'path',
  required: true,
  description: "A run of the key's workspace; anything else (including a non-UUID) is a 404.",
  schema: uuid,
};

const location = {
  Location: { description: 'Where to GET the run.', schema: { type: 'string' } },
};

/** OpenAPI path items of the workflow run endpoints. */
export const runsPaths: Record<string, unknown> = {
  '/api/v1/workflow/{id}/run': {
    post: withHeaders(
      guardedOperation({
        operationId: 'runWorkflow',
        summary: 'Start a run of an active workflow, optionally waiting for it to end',
        description:
          'Validates the workflow (only `active` ones run) and `input_data` against its `input_schema`, ' +
          'records the run as `pending` and starts it. Without `wait`: 202 at once. With `wait: true`: ' +
          '200 with the full run as soon as it ends (also when it failed or was cancelled); if `timeout` ' +
          'passes first, 202 with its current state. Send `Idempotency-Key` to make retries safe: the ' +
          'same key with the same workflow and `input_data` returns the first run (kept at least 24 h); ' +
          'with different ones, 422.',
        scope: 'workflows',
        parameters: [
          { name: 'id', in: 'path', required: true, description: 'The workflow id.', schema: uuid },
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: '1-255 printable ASCII characters without spaces, unique per request you mean.',
            schema: { type: 'string', maxLength: 255 },
          },
        ],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  input_data: { description: "The run's input (default `{}`)." },
                  wait: { type: 'boolean', default: false },
                  timeout: {
                    type: 'number',
                    exclusiveMinimum: 0,
                    maximum: 600,
                    default: 300,
                    description: 'Seconds to wait; only together with `wait: true`.',
                  },
                },
              },
            },
          },
        },
        responses: {
          200: { description: 'With `wait`: the run ended (success, failed or cancelled).', schema: run },
          202: {
            description: 'Accepted: the run (without `wait`), or its current state when `timeout` passed.',
            schema: runSummary,
          },
        },
        errors: [400, 404, 413, 415, 422, 503],
      }),
      ['202'],
    ),
  },
  '/api/v1/workflow/runs': {
    get: guardedOperation({
      operationId: 'listWorkflowRuns',
      summary: "List the workspace's runs, newest first, with cursor pagination",
      scope: 'workflows',
      parameters: [
        { name: 'workflow_id', in: 'query', required: false, schema: uuid },
        { name: 'status', in: 'query', required: false, schema: { enum: [...RUN_STATUSES] } },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          description: '`next_cursor` of the previous page.',
          schema: { type: 'string' },
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
      ],
      responses: {
        200: {
          description: 'One page of runs (without data and steps).',
          schema: {
            type: 'object',
            required: ['runs', 'next_cursor'],
            properties: {
              runs: { type: 'array', items: runSummary },
              next_cursor: nullable({ type: 'string' }),
            },
          },
        },
      },
      errors: [400],
    }),
  },
  '/api/v1/workflow/runs/{run_id}': {
    get: guardedOperation({
      operationId: 'getWorkflowRun',
      summary: 'A run with its steps',
      scope: 'workflows',
      parameters: [runIdParam],
      responses: { 200: { description: 'The run.', schema: run } },
      errors: [404],
    }),
  },
  '/api/v1/workflow/runs/{run_id}/cancel': {
    post: withHeaders(
      guardedOperation({
        operationId: 'cancelWorkflowRun',
        summary: 'Cancel a pending or running run',
        description:
          'Answers once the run has ended: 200 with the run (`cancelled`, or the status it reached ' +
          'before the cancellation took effect). A run still running after 10 s is answered with 202 ' +
          'and its current state. A run that is not pending or running is a 400 naming its status.',
        scope: 'workflows',
        parameters: [runIdParam],
        responses: {
          200: { description: 'The run, ended.', schema: run },
          202: { description: 'Cancellation requested; the run has not ended yet.', schema: run },
        },
        errors: [400, 404],
      }),
      ['202'],
    ),
  },
};

/** Adds the Location header to the listed responses of an operation. */
function withHeaders(operation: Json, statuses: string[]): Json {
  const responses = operation.responses as Record<string, Json>;
  for (const status of statuses) {
    const response = responses[status]!;
    response.headers = { ...(response.headers as Json), ...location };
  }
  return operation;
}
