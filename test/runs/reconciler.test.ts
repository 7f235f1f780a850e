import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { temporalSetupCommand } from '../../cli/commands/temporal-setup.command.ts';
import {
  RECONCILE_WORKFLOW,
  RECONCILER_SCHEDULE_ID,
  type ReconcileSummary,
} from '../../core/engine/reconcile-contract.ts';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { RECONCILE_GRACE_MS, reconcileRuns } from '../../domain/runs/run-reconciler.ts';
import {
  as,
  DOUBLE,
  delayed,
  insertStrandedRun,
  saveWorkflow,
  useRunHarness,
  type RunTestEnv,
} from './run-fixtures.ts';

/** Moves a row's creation back past the reconciler's grace, as if it had been stuck for minutes. */
async function ageRun(env: RunTestEnv, runId: string): Promise<void> {
  await env.h.services.orm.em
    .fork()
    .getConnection()
    .execute(`update workflow_runs set created_at = created_at - interval '5 minutes' where id = ?`, [runId]);
}

/** A pending row with no execution behind it, in a workflow of its own. */
async function insertPendingRun(env: RunTestEnv, key?: string): Promise<string> {
  const wf = await saveWorkflow(env.h, env.t, DOUBLE);
  return insertStrandedRun(env.h, env.t, wf, {
    inputData: { n: 1 },
    ...(key ? { idempotencyKey: key } : {}),
  });
}

function readRun(env: RunTestEnv, runId: string) {
  return env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, runId);
}

/** Ages the run past the grace, runs one pass of the domain service and reads the run back. */
async function reconcileAged(env: RunTestEnv, runId: string) {
  await ageRun(env, runId);
  const summary = await reconcileRuns(env.h.services.orm, env.h.services.temporal.client);
  return { summary, run: await readRun(env, runId) };
}

/** One pass through the real path: the `reconcileRuns` workflow and its activity on the harness's worker. */
function reconcileOnce(env: RunTestEnv): Promise<ReconcileSummary> {
  return env.h.services.temporal.client.workflow.execute(RECONCILE_WORKFLOW, {
    workflowId: `test-reconcile-${randomUUID()}`,
    taskQueue: env.h.config.temporal.taskQueue,
  });
}

describe('run reconciler', () => {
  const env = useRunHarness();

  it('fails a run whose workflow was terminated outside dagen, closing its steps', async () => {
    const wf = await saveWorkflow(env.h, env.t, delayed(600));
    const started = await as(env.h, env.t).run(wf.id, { wait: true, timeout: 1 });
    expect(started.body.status).toBe('running');
    const runId = started.body.id as string;
    await env.h.services.temporal.client.workflow.getHandle(`run:${runId}`).terminate('from the Temporal UI');
    await ageRun(env, runId);

    const summary = await reconcileOnce(env);
    expect(summary.failed).toBeGreaterThanOrEqual(1);
    const row = await readRun(env, runId);
    expect(row).toMatchObject({
      status: 'failed',
      errorMessage: 'The workflow execution was terminated outside dagen',
    });
    expect(row.finishedAt).toBeInstanceOf(Date);
    const steps = await env.h.services.orm.em.fork().find(RunStep, { runId }, { orderBy: { nodeId: 'asc' } });
    expect(steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['after', 'cancelled'],
      ['pause', 'cancelled'],
    ]);
    expect(steps.find((s) => s.nodeId === 'pause')?.durationMs).toEqual(expect.any(Number));

    // The API shows the reconciled end, and a cancel names it.
    const shown = await as(env.h, env.t).get(`/workflow/runs/${runId}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      status: 'failed',
      error_message: 'The workflow execution was terminated outside dagen',
    });
    const cancel = await as(env.h, env.t).cancel(runId);
    expect(cancel.status).toBe(400);
    expect(cancel.body.error).toBe('Run is failed; only pending or running runs can be cancelled');
  }, 60_000);

  it('fails a pending row that never got an execution once past the grace, releasing its key', async () => {
    const key = `k-${randomUUID()}`;
    const runId = await insertPendingRun(env, key);
    const { summary, run } = await reconcileAged(env, runId);
    expect(summary.failed).toBeGreaterThanOrEqual(1);
    expect(run).toMatchObject({
      status: 'failed',
      errorMessage: 'The run was never started on the workflow engine',
      idempotencyKey: null,
    });
  });

  it('fails a run whose execution timed out', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const runId = await insertStrandedRun(env.h, env.t, wf, { inputData: { n: 1 } });
    // A queue no worker serves: the execution reaches its timeout without ever running.
    const handle = await env.h.services.temporal.client.workflow.start('dagRun', {
      workflowId: `run:${runId}`,
      taskQueue: `nobody-${randomUUID()}`,
      args: [{ runId }],
      workflowExecutionTimeout: '1 second',
    });
    await expect(handle.result()).rejects.toThrow(/timed out/i);
    const { run } = await reconcileAged(env, runId);
    expect(run).toMatchObject({
      status: 'failed',
      errorMessage: 'The workflow execution timed out',
    });
  });

  it('fails a live run whose execution completed without recording its end', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const runId = await insertStrandedRun(env.h, env.t, wf, { inputData: { n: 1 } });
    // Any workflow type under the run's id stands for an execution that closed without writing the row.
    await env.h.services.temporal.client.workflow.execute(RECONCILE_WORKFLOW, {
      workflowId: `run:${runId}`,
      taskQueue: env.h.config.temporal.taskQueue,
    });
    const { run } = await reconcileAged(env, runId);
    expect(run).toMatchObject({
      status: 'failed',
      errorMessage: 'The workflow execution closed without recording the run’s end',
    });
  });

  it('skips a run whose execution cannot be described and goes on with the others', async () => {
    const unreadable = await insertPendingRun(env);
    const stranded = await insertPendingRun(env);
    await ageRun(env, unreadable);
    await ageRun(env, stranded);
    const warnings: unknown[] = [];
    // The real frontend, with one describe failing as a broken connection would fail it.
    const client = new Client({
      connection: env.h.services.temporal.connection,
      namespace: env.h.config.temporal.namespace,
      interceptors: {
        workflow: [
          {
            describe(input, next) {
              if (input.workflowExecution.workflowId === `run:${unreadable}`)
                return Promise.reject(new Error('describe failed'));
              return next(input);
            },
          },
        ],
      },
    });
    const log = { warn: (fields: unknown) => warnings.push(fields) } as never;
    const summary = await reconcileRuns(env.h.services.orm, client, { log });
    expect(summary.unknown).toBe(1);
    expect(warnings).toEqual([{ runId: unreadable, error: 'Error', code: undefined }]);
    expect((await readRun(env, unreadable)).status).toBe('pending');
    expect((await readRun(env, stranded)).status).toBe('failed');
    // The next pass, with the execution readable again, finishes the skipped row too.
    await reconcileRuns(env.h.services.orm, env.h.services.temporal.client);
    expect((await readRun(env, unreadable)).status).toBe('failed');
  });

  it('leaves a fresh pending row alone: its start may still be in progress', async () => {
    const runId = await insertPendingRun(env);
    await reconcileRuns(env.h.services.orm, env.h.services.temporal.client);
    expect(await readRun(env, runId)).toMatchObject({ status: 'pending', errorMessage: null });
    // Past the grace the same row is resolved: the grace is what protected it.
    const later = new Date(Date.now() + RECONCILE_GRACE_MS + 1000);
    await reconcileRuns(env.h.services.orm, env.h.services.temporal.client, { now: later });
    expect((await readRun(env, runId)).status).toBe('failed');
  });

  it('leaves a run that completed normally untouched', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const done = await as(env.h, env.t).run(wf.id, { input_data: { n: 3 }, wait: true });
    expect(done.body.status).toBe('success');
    await ageRun(env, done.body.id);
    const before = await readRun(env, done.body.id);

    await reconcileOnce(env);
    const after = await readRun(env, done.body.id);
    expect(after).toMatchObject({ status: 'success', errorMessage: null, outputData: { double: 6 } });
    expect(after.finishedAt).toEqual(before.finishedAt);
  });

  it('leaves a running run with an open execution alone', async () => {
    const wf = await saveWorkflow(env.h, env.t, delayed(600));
    const started = await as(env.h, env.t).run(wf.id, { wait: true, timeout: 1 });
    expect(started.body.status).toBe('running');
    await ageRun(env, started.body.id);

    const summary = await reconcileOnce(env);
    expect(summary.open).toBeGreaterThanOrEqual(1);
    expect((await readRun(env, started.body.id)).status).toBe('running');
    const cancelled = await as(env.h, env.t).cancel(started.body.id);
    expect(cancelled.body.status).toBe('cancelled');
  }, 60_000);

  it('`dagen temporal setup` creates the reconciler schedule idempotently', async () => {
    const config = env.h.config;
    const ctx = { flags: {}, args: [], config, log: env.h.services.log };
    const schedule = env.h.services.temporal.client.schedule.getHandle(RECONCILER_SCHEDULE_ID);
    try {
      // A schedule left by an older setup (another queue) is brought back to this definition.
      const older = { ...config, temporal: { ...config.temporal, taskQueue: `old-${randomUUID()}` } };
      await temporalSetupCommand.run({ ...ctx, config: older });
      await temporalSetupCommand.run(ctx);
      const described = await schedule.describe();
      expect(described.spec.intervals).toMatchObject([{ every: 60_000 }]);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: RECONCILE_WORKFLOW,
        taskQueue: config.temporal.taskQueue,
      });
    } finally {
      // The schedule would keep reconciling the shared test database every minute.
      await schedule.delete();
    }
  });
});
