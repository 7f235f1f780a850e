import { randomUUID } from 'node:crypto';
import { WorkflowDefinition, WorkflowRun } from '../../db/entities/index.ts';
import { createTenant } from '../helpers/tenant.ts';
import { until } from '../helpers/until.ts';
import { as, DOUBLE, delayed, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run API: start, wait, read', () => {
  const env = useRunHarness();

  it('wait: true answers 200 with the finished run and its steps', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const res = await as(env.h, env.t).run(wf.id, { input_data: { n: 21 }, wait: true, timeout: 60 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      run_id: res.body.id,
      status: 'success',
      workflow_id: wf.id,
      workflow_version: 1,
      input_data: { n: 21 },
      error_message: null,
      trigger: { source: 'external_api', api_key_id: env.t.apiKeyId },
    });
    expect(res.body.output_data).toEqual({ double: 42 });
    expect(res.body.duration_seconds).toEqual(expect.any(Number));
    expect(res.body.steps).toEqual([
      expect.objectContaining({ node_id: 'double', type: 'transform', status: 'success', output: 42 }),
    ]);
    const row = await env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, res.body.id);
    expect(row.trigger).toEqual({
      source: 'external_api',
      api_key_id: env.t.apiKeyId,
      owner_id: env.t.ownerId,
    });
    // Stamped after the start answered (best-effort, off the response path).
    const lastRunAt = async () =>
      (await env.h.services.orm.em.fork().findOneOrFail(WorkflowDefinition, wf.id)).lastRunAt;
    await until(async () => (await lastRunAt()) instanceof Date);
  });

  it('wait: true answers 200 for a failed run too, with the failing node named', async () => {
    const wf = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'boom', type: 'transform', with: { expression: '$error("bad input")' } }],
    });
    const res = await as(env.h, env.t).run(wf.id, { wait: true });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.error_message).toContain('boom');
    expect(res.body.steps).toEqual([expect.objectContaining({ node_id: 'boom', status: 'failed' })]);
  });

  it('async start answers 202 with a Location to GET the run, and finds it in Temporal', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const res = await as(env.h, env.t).run(wf.id, { input_data: { n: 1 } });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/v1/workflow/runs/${res.body.run_id}`);
    expect(res.body).toMatchObject({ workflow_id: wf.id, workflow_version: 1 });
    expect(['pending', 'running', 'success']).toContain(res.body.status);

    const handle = env.h.services.temporal.client.workflow.getHandle(`run:${res.body.run_id}`);
    await handle.result();
    const described = await handle.describe();
    expect(described.memo).toEqual({ workflow_name: expect.any(String), workflow_version: 1 });
    expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['DagenWorkspaceId', env.t.workspaceId],
        ['DagenWorkflowId', wf.id],
        ['DagenSource', 'external_api'],
        ['DagenApiKeyId', env.t.apiKeyId],
      ]),
    );

    const got = await as(env.h, env.t).get(res.headers.location!.replace('/api/v1', ''));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: res.body.run_id, status: 'success', output_data: { double: 2 } });
    expect(got.body.steps).toHaveLength(1);
  });

  it('wait that outlasts its timeout answers 202 with the current state and a Location', async () => {
    const wf = await saveWorkflow(env.h, env.t, delayed(30));
    // Fractional seconds are valid too, down to fractions of a millisecond (they once reached
    // AbortSignal.timeout as is: a 500).
    const res = await as(env.h, env.t).run(wf.id, { wait: true, timeout: 0.5005 });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/v1/workflow/runs/${res.body.id}`);
    expect(res.body.status).toBe('running');
    expect(res.body.steps).toEqual(
      expect.arrayContaining([expect.objectContaining({ node_id: 'pause', status: 'running' })]),
    );
    await as(env.h, env.t).cancel(res.body.id);
  });

  it('checks input_data against input_schema and lists the failing paths', async () => {
    const wf = await saveWorkflow(env.h, env.t, {
      ...DOUBLE,
      input_schema: {
        type: 'object',
        required: ['n', 'label'],
        properties: { n: { type: 'integer' }, label: { type: 'string' } },
      },
    });
    const res = await as(env.h, env.t).run(wf.id, { input_data: { n: 'two' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/input_data does not match input_schema/);
    expect(res.body.error).toContain('/n: must be integer');
    expect(res.body.error).toContain("/label: must have required property 'label'");
    expect(await env.h.services.orm.em.fork().count(WorkflowRun, { workflowId: wf.id })).toBe(0);
  });

  it('runs only active workflows and names the status otherwise', async () => {
    for (const status of ['draft', 'paused', 'archived'] as const) {
      const wf = await saveWorkflow(env.h, env.t, { ...DOUBLE, status });
      const res = await as(env.h, env.t).run(wf.id, {});
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(`is ${status}`);
    }
  });

  it('rejects a stored version whose graph no longer validates, listing its problems', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    // Written around the service, as an older release or a manual edit could have.
    await env.h.services.orm.em
      .fork()
      .getConnection()
      .execute(
        `update workflow_versions set graph = '{"nodes":[{"id":"a","type":"warp"}]}' where workflow_id = ?`,
        [wf.id],
      );
    const res = await as(env.h, env.t).run(wf.id, {});
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/Workflow definition is invalid: node a:/);
  });

  it('rejects bad bodies: unknown fields, timeout without wait, timeout over 600, null', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const cases: [unknown, RegExp][] = [
      [{ input_data: {}, workflow_version: 1 }, /Unrecognized key/],
      [{ timeout: 10 }, /timeout is only allowed together with wait/],
      [{ wait: true, timeout: 601 }, /timeout/],
      [{ wait: 'yes' }, /wait/],
      [[1, 2], /Invalid request body/],
    ];
    for (const [body, message] of cases) {
      const res = await as(env.h, env.t).run(wf.id, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    // JSON `null` is a body, not an absent one (which means `{}`).
    const nullBody = await env.h.http
      .post(`/api/v1/workflow/${wf.id}/run`)
      .set('x-api-key', env.t.key)
      .type('json')
      .send('null');
    expect([nullBody.status, nullBody.body.error]).toEqual([
      400,
      expect.stringMatching(/Invalid request body/),
    ]);
    expect(await env.h.services.orm.em.fork().count(WorkflowRun, { workflowId: wf.id })).toBe(0);
  });

  it('answers 404 with one body for other workspaces, unknown ids and non-UUID ids', async () => {
    const other = await createTenant(env.h);
    const wf = await saveWorkflow(env.h, env.t, delayed(30));
    const started = await as(env.h, env.t).run(wf.id, {});
    const runId = started.body.id as string;

    const notFound = [
      await as(env.h, other).run(wf.id, {}),
      await as(env.h, other).run(randomUUID(), {}),
      await as(env.h, other).run('not-a-uuid', {}),
    ];
    for (const res of notFound)
      expect([res.status, res.body]).toEqual([404, { error: 'Workflow not found' }]);
    const runNotFound = [
      await as(env.h, other).get(`/workflow/runs/${runId}`),
      await as(env.h, other).cancel(runId),
      await as(env.h, env.t).get(`/workflow/runs/${randomUUID()}`),
      await as(env.h, env.t).get('/workflow/runs/12345'),
      await as(env.h, env.t).cancel('nope'),
    ];
    for (const res of runNotFound) expect([res.status, res.body]).toEqual([404, { error: 'Run not found' }]);

    const listed = await as(env.h, other).get(`/workflow/runs?workflow_id=${wf.id}`);
    expect(listed.body.runs).toEqual([]);
    // The other workspace's cancel changed nothing.
    expect((await as(env.h, env.t).get(`/workflow/runs/${runId}`)).body.status).not.toBe('cancelled');
    expect((await as(env.h, env.t).cancel(runId)).status).toBe(200);
  });

  it('runs the version current at start, whatever is saved later', async () => {
    const name = `pinned-${randomUUID()}`;
    const v1 = await saveWorkflow(env.h, env.t, {
      name,
      nodes: [
        { id: 'pause', type: 'delay', with: { seconds: 1 } },
        { id: 'out', type: 'transform', needs: ['pause'], with: { expression: '"v1"' } },
      ],
    });
    const started = await as(env.h, env.t).run(v1.id, {});
    const v2 = await saveWorkflow(env.h, env.t, {
      name,
      nodes: [{ id: 'out', type: 'transform', with: { expression: '"v2"' } }],
    });
    expect(v2).toMatchObject({ id: v1.id, version: 2 });
    await env.h.services.temporal.client.workflow.getHandle(`run:${started.body.id}`).result();
    const run = await as(env.h, env.t).get(`/workflow/runs/${started.body.id}`);
    expect(run.body).toMatchObject({ workflow_version: 1, status: 'success', output_data: { out: 'v1' } });
    const next = await as(env.h, env.t).run(v1.id, { wait: true });
    expect(next.body).toMatchObject({ workflow_version: 2, output_data: { out: 'v2' } });
  });
});
