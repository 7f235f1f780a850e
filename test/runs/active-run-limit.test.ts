import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { activeRunLimitBody } from '../../api/openapi/schemas.ts';
import { activeRunLimitMessage } from '../../core/errors.ts';
import { isTerminal } from '../../core/run-status.ts';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { moveRun } from '../../domain/runs/run-state.ts';
import { eventually } from '../engine/dag-fixtures.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { as, DOUBLE, delayed, insertStrandedRun, saveWorkflow, useRunHarness } from './run-fixtures.ts';

/** `count` workflow nodes `child_<i>`, each starting a run of `childId`. */
const childNodes = (count: number, childId: string) =>
  Array.from({ length: count }, (_, i) => ({
    id: `child_${i}`,
    type: 'workflow' as const,
    with: { workflow_id: childId },
  }));

/** The cap of this file's harness: small, so a workspace reaches it in a few starts. */
const CAP = 3;
const REFUSED = activeRunLimitMessage(CAP);

describe('per-workspace cap on live runs (WORKSPACE_MAX_ACTIVE_RUNS)', () => {
  const env = useRunHarness({ env: { WORKSPACE_MAX_ACTIVE_RUNS: String(CAP) } });

  const liveRunsOf = (t: Tenant) =>
    env.h.services.orm.em
      .fork()
      .count(WorkflowRun, { workspaceId: t.workspaceId, status: { $in: ['pending', 'running'] } });
  const runsOf = (t: Tenant) =>
    env.h.services.orm.em.fork().find(WorkflowRun, { workspaceId: t.workspaceId });

  /** Starts `count` runs of an hour-long workflow in the tenant's workspace; returns their ids. */
  async function fill(t: Tenant, count: number, firstKey?: string): Promise<string[]> {
    const wf = await saveWorkflow(env.h, t, delayed(3600));
    const ids = [];
    for (let i = 0; i < count; i++) {
      const res = await as(env.h, t).run(wf.id, {}, i === 0 ? firstKey : undefined);
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
    }
    return ids;
  }

  /** Starts a run of `workflowId` with no input and returns its row once it has ended. */
  async function runToEnd(t: Tenant, workflowId: string) {
    const started = await as(env.h, t).run(workflowId, {});
    expect(started.status).toBe(202);
    return eventually(
      () => env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, started.body.id),
      (run) => isTerminal(run.status),
      60_000,
    );
  }

  /** The final statuses of runs `ids`, once each has ended on its own. */
  async function endedStatuses(ids: string[]): Promise<string[]> {
    const rows = await eventually(
      () => env.h.services.orm.em.fork().find(WorkflowRun, { id: { $in: ids } }),
      (runs) => runs.every((r) => isTerminal(r.status)),
      60_000,
    );
    return rows.map((r) => r.status);
  }

  /** Whether run `id` ever got a Temporal workflow execution. */
  async function hasExecution(id: string): Promise<boolean> {
    return env.h.services.temporal.client.workflow
      .getHandle(`run:${id}`)
      .describe()
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );
  }

  /** Cancels what a test left running, so its workers' timers do not outlive it. */
  async function cancelAll(t: Tenant): Promise<void> {
    for (const run of await runsOf(t)) {
      if (!isTerminal(run.status)) await as(env.h, t).cancel(run.id);
    }
  }

  it('answers a start beyond the cap 429 naming the limit, with Retry-After, recording nothing', async () => {
    const a = env.t;
    const b = await createTenant(env.h);
    const first = `k-${randomUUID()}`;
    const [firstRun] = await fill(a, CAP, first);
    const wf = await saveWorkflow(env.h, a, DOUBLE);

    const refusedKey = `k-${randomUUID()}`;
    const refused = await as(env.h, a).run(wf.id, { input_data: { n: 1 } }, refusedKey);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toEqual({ error: REFUSED, max_active_runs: CAP, retry_after_seconds: 5 });
    expect(refused.body.error).not.toBe('Rate limit exceeded');
    expect(activeRunLimitBody.safeParse(refused.body).success).toBe(true);
    // Nothing left behind: no row, so the key is still free.
    expect(await runsOf(a)).toHaveLength(CAP);
    expect(await env.h.services.orm.em.fork().count(WorkflowRun, { idempotencyKey: refusedKey })).toBe(0);

    // A replay of a run that exists is answered as before, cap or no cap.
    const replay = await as(env.h, a).run((await runsOf(a))[0]!.workflowId, {}, first);
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(firstRun);

    // Another workspace is not affected.
    const other = await saveWorkflow(env.h, b, DOUBLE);
    const started = await as(env.h, b).run(other.id, { input_data: { n: 2 }, wait: true });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'success', output_data: { double: 4 } });
    await cancelAll(a);
  });

  it('declares the 429 of a start in the OpenAPI document', async () => {
    const doc = (await env.h.http.get('/api/v1/openapi.json')).body;
    const start = doc.paths['/api/v1/workflow/{id}/run'].post;
    expect(start.responses['429']).toEqual({ $ref: '#/components/responses/TooManyRequestsOrRuns' });
    const response = doc.components.responses.TooManyRequestsOrRuns;
    expect(Object.keys(response.headers)).toContain('Retry-After');
    expect(response.content['application/json'].schema.oneOf).toEqual([
      { $ref: '#/components/schemas/RateLimitError' },
      { $ref: '#/components/schemas/ActiveRunLimitError' },
    ]);
    expect(doc.components.schemas.ActiveRunLimitError.required).toEqual([
      'error',
      'max_active_runs',
      'retry_after_seconds',
    ]);
  });

  it('frees a slot when a run ends, and a refused key then starts its run', async () => {
    const t = await createTenant(env.h);
    const [blocker] = await fill(t, CAP - 1);
    const quick = await saveWorkflow(env.h, t, DOUBLE);
    // The last slot, taken by a run that ends on its own: then it is free again.
    const done = await as(env.h, t).run(quick.id, { input_data: { n: 1 }, wait: true });
    expect(done.body.status).toBe('success');
    await fill(t, 1);

    const key = `k-${randomUUID()}`;
    expect((await as(env.h, t).run(quick.id, { input_data: { n: 3 } }, key)).status).toBe(429);
    expect((await as(env.h, t).cancel(blocker!)).body.status).toBe('cancelled');
    const retried = await as(env.h, t).run(quick.id, { input_data: { n: 3 }, wait: true }, key);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'success', output_data: { double: 6 } });
    await cancelAll(t);
  });

  it('never lets concurrent starts overshoot the cap', async () => {
    const t = await createTenant(env.h);
    const wf = await saveWorkflow(env.h, t, delayed(3600));
    const answers = await Promise.all(Array.from({ length: 20 }, () => as(env.h, t).run(wf.id, {})));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(CAP).fill(202), ...Array(20 - CAP).fill(429)]);
    expect(await runsOf(t)).toHaveLength(CAP);
    await cancelAll(t);
  });

  it('fails the child nodes a fan-out cannot fit, with the message, and wedges nothing', async () => {
    const t = await createTenant(env.h);
    const child = await saveWorkflow(env.h, t, delayed(3600));
    // The parent takes one slot, so CAP - 1 children fit and one does not.
    const parent = await saveWorkflow(env.h, t, {
      nodes: childNodes(CAP, child.id),
    });
    const ended = await runToEnd(t, parent.id);
    expect(ended.status).toBe('failed');
    expect(ended.errorMessage).toContain(REFUSED);
    const steps = await env.h.services.orm.em.fork().find(RunStep, { runId: ended.id });
    expect(steps.filter((s) => s.status === 'failed').map((s) => s.error)).toEqual([REFUSED]);
    // Exactly the children that fit were created, and the failed parent cancelled them, a child
    // begun in the workflow task that saw the failure (never started) too: no reconciler needed.
    const children = (await runsOf(t)).filter((r) => r.id !== ended.id);
    expect(children).toHaveLength(CAP - 1);
    expect(await endedStatuses(children.map((c) => c.id))).toEqual(Array(CAP - 1).fill('cancelled'));
    expect(await liveRunsOf(t)).toBe(0);
  }, 90_000);

  it('records cancelled the child runs a failing sibling stopped before they started, freeing their slots', async () => {
    const t = await createTenant(env.h);
    const child = await saveWorkflow(env.h, t, delayed(3600));
    // The parent and its CAP - 1 children fill the workspace: each next run needs the slots back.
    const parent = await saveWorkflow(env.h, t, {
      nodes: [
        { id: 'bad', type: 'workflow' as const, with: { workflow_id: 'missing' } },
        ...childNodes(CAP - 1, child.id),
      ],
    });
    let neverStarted = 0;
    for (let round = 0; round < 3; round++) {
      const ended = await runToEnd(t, parent.id);
      expect(ended.status).toBe('failed');
      expect(ended.errorMessage).toContain('"missing" does not exist');
      const children = (await runsOf(t)).filter(
        (r) => (r.trigger as { parent_run_id?: string }).parent_run_id === ended.id,
      );
      expect(children).toHaveLength(CAP - 1);
      expect(await endedStatuses(children.map((c) => c.id))).toEqual(Array(CAP - 1).fill('cancelled'));
      for (const c of children) if (!(await hasExecution(c.id))) neverStarted++;
      expect(await liveRunsOf(t)).toBe(0);
    }
    // The sibling fails while the children begin: some never got an execution, and still ended.
    expect(neverStarted).toBeGreaterThan(0);
  }, 240_000);

  it('starts a refused child run on a retry once a slot is free', async () => {
    const t = await createTenant(env.h);
    const child = await saveWorkflow(env.h, t, DOUBLE);
    const parent = await saveWorkflow(env.h, t, {
      nodes: [{ id: 'sub', type: 'workflow', with: { workflow_id: child.id, input: { n: 4 } } }],
    });
    // Rows with no workflow hold all slots but the parent's; failing one frees a slot at once.
    const blockers = [];
    for (let i = 0; i < CAP - 1; i++) {
      blockers.push(await insertStrandedRun(env.h, t, parent, { inputData: {} }));
    }
    const started = await as(env.h, t).run(parent.id, {});
    expect(started.status).toBe(202);
    await eventually(
      () => env.h.services.orm.em.fork().findOne(RunStep, { runId: started.body.id, nodeId: 'sub' }),
      (step) => step?.error === REFUSED,
    );
    await moveRun(env.h.services.orm.em.fork(), blockers[0]!, 'failed', {
      errorMessage: 'freed by the test',
    });
    const ended = await eventually(
      () => env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, started.body.id),
      (run) => isTerminal(run.status),
      30_000,
    );
    expect(ended).toMatchObject({ status: 'success', outputData: { sub: { double: 8 } } });
    await moveRun(env.h.services.orm.em.fork(), blockers[1]!, 'failed', {
      errorMessage: 'freed by the test',
    });
  });
});
