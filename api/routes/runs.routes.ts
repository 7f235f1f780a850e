import { isTerminal } from '../../core/run-status.ts';
import { cancelRun } from '../../domain/runs/run-cancel.service.ts';
import { getRun, listRuns } from '../../domain/runs/run-query.service.ts';
import { startRun } from '../../domain/runs/run-start.service.ts';
import { type RunView, runSummaryView } from '../../domain/runs/run-view.ts';
import { clientGone } from '../../http/client-gone.ts';
import { authOf } from '../../http/context.ts';
import {
  acceptedRunSchema,
  listQuery,
  runIdParams,
  runPageSchema,
  runSchema,
  startBody,
  startHeaders,
  WAIT_TIMEOUT_DEFAULT_SECONDS,
  workflowIdParams,
} from '../runs/run-schemas.ts';
import { endpoint } from './endpoint.ts';

/** Where a run can be read; sent as `Location` with every 202. */
function runLocation(runId: string): string {
  return `/api/v1/workflow/runs/${runId}`;
}

/** What a client does next with a run it was answered: read it (with its steps) or cancel it. */
const RUN_LINKS = {
  GetRun: {
    operationId: 'getWorkflowRun',
    description: 'Read this run, with its steps.',
    parameters: { run_id: '$response.body#/id' },
  },
  CancelRun: {
    operationId: 'cancelWorkflowRun',
    description: 'Cancel this run while it is pending or running.',
    parameters: { run_id: '$response.body#/id' },
  },
};

/** 200 with the full run once it has ended, else 202 with its current state and where to read it. */
function answerRun(run: RunView) {
  return isTerminal(run.status)
    ? { status: 200 as const, body: run }
    : { status: 202 as const, body: run, location: runLocation(run.id) };
}

const startRunEndpoint = endpoint({
  method: 'post',
  path: '/workflow/:id/run',
  scope: 'workflows',
  operationId: 'runWorkflow',
  summary: 'Start a run of an active workflow, optionally waiting for it to end',
  description:
    'Validates the workflow (only `active` ones run) and `input_data` against its `input_schema`, ' +
    'records the run as `pending` and starts it. Without `wait`: 202 at once. With `wait: true`: ' +
    '200 with the full run as soon as it ends (also when it failed or was cancelled); if `timeout` ' +
    'passes first, 202 with its current state. Send `Idempotency-Key` to make retries safe: the ' +
    'same key with the same workflow and `input_data` returns the first run for 24 h after it was ' +
    'created; with different ones, 422. After 24 h the key is free and starts a new run. A 503 (the ' +
    'workflow engine refused the start) does not use the key up: retrying with it starts the run. ' +
    'A workspace may have at most WORKSPACE_MAX_ACTIVE_RUNS runs `pending` or `running` at once ' +
    '(child runs included); a start beyond that is a 429 with `Retry-After` that records nothing ' +
    'and leaves the key free.',
  params: workflowIdParams,
  headers: startHeaders,
  body: startBody,
  responses: {
    200: {
      description: 'With `wait`: the run ended (success, failed or cancelled).',
      schema: runSchema,
      links: RUN_LINKS,
    },
    202: {
      description:
        'Accepted: the run without its data and steps (without `wait`), or the full run in its ' +
        'current state when `timeout` passed first.',
      schema: acceptedRunSchema,
      location: true,
      links: RUN_LINKS,
    },
  },
  errors: [422, 429],
}).handledBy(async (ctx, { params, headers, body }, deps) => {
  const auth = authOf(ctx);
  // A burst of starts queues here rather than all at once in the database pool and the engine client.
  const run = await deps.starts.run(() =>
    startRun(deps, auth, params.id, {
      inputData: body.input_data === undefined ? {} : body.input_data,
      source: 'external_api',
      idempotencyKey: headers['Idempotency-Key'],
    }),
  );
  if (!body.wait) return { status: 202, body: runSummaryView(run), location: runLocation(run.id) };
  if (!isTerminal(run.status)) {
    const timeoutMs = (body.timeout ?? WAIT_TIMEOUT_DEFAULT_SECONDS) * 1000;
    const stop = AbortSignal.any([clientGone(ctx), deps.draining]);
    await deps.runEnds.waitForEnd(run.id, timeoutMs, stop);
  }
  return answerRun(await getRun(deps.services.orm.em.fork(), auth.workspaceId, run.id));
});

const listRunsEndpoint = endpoint({
  method: 'get',
  path: '/workflow/runs',
  scope: 'workflows',
  operationId: 'listWorkflowRuns',
  summary: "List the workspace's runs, newest first, with cursor pagination",
  query: listQuery,
  responses: {
    200: {
      description: 'One page of runs (without data and steps).',
      schema: runPageSchema,
      links: {
        GetFirstRun: {
          operationId: 'getWorkflowRun',
          description: 'Read the first run of the page, with its steps.',
          parameters: { run_id: '$response.body#/runs/0/id' },
        },
      },
    },
  },
}).handledBy(async (ctx, { query }, deps) => {
  const page = await listRuns(deps.services.orm.em.fork(), authOf(ctx).workspaceId, {
    workflowId: query.workflow_id,
    status: query.status,
    cursor: query.cursor,
    limit: query.limit,
  });
  return { status: 200, body: page };
});

const getRunEndpoint = endpoint({
  method: 'get',
  path: '/workflow/runs/:run_id',
  scope: 'workflows',
  operationId: 'getWorkflowRun',
  summary: 'A run with its steps',
  params: runIdParams,
  responses: { 200: { description: 'The run.', schema: runSchema } },
}).handledBy(async (ctx, { params }, deps) => {
  return {
    status: 200,
    body: await getRun(deps.services.orm.em.fork(), authOf(ctx).workspaceId, params.run_id),
  };
});

const cancelRunEndpoint = endpoint({
  method: 'post',
  path: '/workflow/runs/:run_id/cancel',
  scope: 'workflows',
  operationId: 'cancelWorkflowRun',
  summary: 'Cancel a pending or running run',
  description:
    'Answers once the run has ended: 200 with the run (`cancelled`, or the status it reached ' +
    'before the cancellation took effect). A run still running after 10 s is answered with 202 ' +
    'and its current state. A run that is not pending or running is a 400 naming its status.',
  params: runIdParams,
  responses: {
    200: { description: 'The run, ended (`cancelled`, or the status it reached first).', schema: runSchema },
    202: {
      description: 'Cancellation requested; the run has not ended yet.',
      schema: runSchema,
      location: true,
      links: { GetRun: RUN_LINKS.GetRun },
    },
  },
  errors: [400],
}).handledBy(async (ctx, { params }, deps) => {
  return answerRun(await cancelRun(deps.services, authOf(ctx).workspaceId, params.run_id));
});

/** Workflow run endpoints (scope `workflows`). */
export const runEndpoints = [startRunEndpoint, listRunsEndpoint, getRunEndpoint, cancelRunEndpoint];
