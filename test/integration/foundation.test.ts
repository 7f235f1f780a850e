import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

describe('foundation: Temporal, Postgres and the API wired together', () => {
  let h: Harness;
  let t: Tenant;
  beforeAll(async () => {
    h = await startHarness();
    t = await createTenant(h);
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers /healthz and /readyz with every dependency reachable', async () => {
    expect((await h.http.get('/healthz')).status).toBe(200);
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: true, temporal: true, redis: true });
  });

  it('runs a workflow on Temporal whose activities write Postgres, and reads it back through the API', async () => {
    const wf = await applyDefinition(h.services.orm.em.fork(), t.workspaceId, {
      name: 'foundation-probe',
      status: 'active',
      nodes: [{ id: 'double', type: 'transform', with: { expression: 'input.n * 2' } }],
    });
    const started = await h.http
      .post(`/api/v1/workflow/${wf.id}/run`)
      .set('X-API-Key', t.key)
      .send({ input_data: { n: 21 } });
    expect(started.status).toBe(202);
    const runId: string = started.body.run_id;

    // Wait on Temporal itself, then check that Postgres already agrees when the workflow has completed.
    await h.services.temporal.client.workflow.getHandle(`run:${runId}`).result();
    const em = h.services.orm.em.fork();
    expect((await em.findOneOrFail(WorkflowRun, runId)).status).toBe('success');
    expect(await em.count(RunStep, { runId })).toBe(1);

    const read = await h.http.get(`/api/v1/workflow/runs/${runId}`).set('X-API-Key', t.key);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'success', output_data: { double: 42 } });
    expect(read.body.steps).toEqual([
      expect.objectContaining({ node_id: 'double', status: 'success', output: 42 }),
    ]);
  });

  it('renders unknown routes and malformed JSON as { error }', async () => {
    const missing = await h.http.get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'Not found' });
    const bad = await h.http
      .post('/api/v1/workflow/runs/00000000-0000-0000-0000-000000000000/cancel')
      .set('X-API-Key', t.key)
      .set('content-type', 'application/json')
      .send('{bad');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'Malformed JSON body' });
  });
});
