import Router from '@koa/router';
import { isTerminal } from '../../core/run-status.ts';
import type { Services } from '../../infra/services.ts';
import { authOf, type AppContext, type AppState } from '../context.ts';
import { cancelRun } from '../../domain/runs/run-cancel.service.ts';
import { getRun, listRuns } from '../../domain/runs/run-query.service.ts';
import { startRun } from '../../domain/runs/run-start.service.ts';
import { runSummaryView, type RunSummaryView } from '../../domain/runs/run-view.ts';
import { waitForRunWorkflow } from '../../domain/runs/run-wait.ts';
import { RunnableVersions } from '../../domain/definitions/runnable-versions.ts';
import {
  IDEMPOTENCY_HEADER,
  idempotencyKeyOf,
  parseListRequest,
  parseStartRequest,
  uuidParam,
} from '../runs/run-request.ts';

/** Where a run can be read; sent as `Location` with every 202. */
export function runLocation(runId: string): string {
  return `/api/v1/workflow/runs/${runId}`;
}

/** Workflow run endpoints (scope `workflows`), mounted under /api/v1 behind the key gate. */
export function runRoutes(services: Services): Router<AppState> {
  const router = new Router<AppState>();
  const versions = new RunnableVersions();
  const em = () => services.orm.em.fork();

  router.post('/workflow/:id/run', async (ctx) => {
    const auth = authOf(ctx);
    const workflowId = uuidParam(ctx.params.id, 'Workflow');
    const request = parseStartRequest(ctx.request.body);
    const run = await startRun({ services, versions }, auth, workflowId, {
      inputData: request.inputData,
      source: 'external_api',
      idempotencyKey: idempotencyKeyOf(ctx.req.headers[IDEMPOTENCY_HEADER]),
    });
    if (!request.wait || isTerminal(run.status)) {
      return request.wait ? answerRun(ctx, auth.workspaceId, run.id) : accepted(ctx, runSummaryView(run));
    }
    const gone = clientGone(ctx);
    await waitForRunWorkflow(services.temporal.client, run.id, request.timeoutSeconds * 1000, gone);
    await answerRun(ctx, auth.workspaceId, run.id);
  });

  router.get('/workflow/runs', async (ctx) => {
    ctx.body = await listRuns(em(), authOf(ctx).workspaceId, parseListRequest(ctx.query));
  });

  router.get('/workflow/runs/:run_id', async (ctx) => {
    const runId = uuidParam(ctx.params.run_id, 'Run');
    ctx.body = await getRun(em(), authOf(ctx).workspaceId, runId);
  });

  router.post('/workflow/runs/:run_id/cancel', async (ctx) => {
    const runId = uuidParam(ctx.params.run_id, 'Run');
    const run = await cancelRun(services, authOf(ctx).workspaceId, runId);
    if (isTerminal(run.status)) ctx.body = run;
    else accepted(ctx, run);
  });

  /** 200 with the full run once it has ended, else 202 with its current state. */
  async function answerRun(ctx: AppContext, workspaceId: string, runId: string): Promise<void> {
    const run = await getRun(em(), workspaceId, runId);
    if (isTerminal(run.status)) ctx.body = run;
    else accepted(ctx, run);
  }

  return router;
}

function accepted(ctx: AppContext, run: RunSummaryView): void {
  ctx.status = 202;
  ctx.set('Location', runLocation(run.id));
  ctx.body = run;
}

/** Aborts when the caller hangs up, so a long wait stops long-polling Temporal for nobody. */
function clientGone(ctx: AppContext): AbortSignal {
  const controller = new AbortController();
  // The response closes before it was written only when the connection dropped.
  ctx.res.once('close', () => {
    if (!ctx.res.writableEnded) controller.abort();
  });
  return controller.signal;
}
