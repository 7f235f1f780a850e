import { WorkflowRun, WorkflowDefinition, Workspace } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('foundation: Temporal, Postgres and the API wired together', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
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

  it('runs a workflow whose activity writes the run row', async () => {
    const em = h.services.orm.em.fork();
    const ws = em.create(Workspace, { name: `ws-${Date.now()}` });
    const wf = em.create(WorkflowDefinition, { workspaceId: ws.id, name: 'probe', graph: { nodes: [] } });
    const run = em.create(WorkflowRun, {
      workspaceId: ws.id,
      workflowId: wf.id,
      workflowVersion: 1,
      trigger: { source: 'cli' },
    });
    await em.flush();
    await h.services.temporal.client.workflow.execute('dagRun', {
      taskQueue: h.config.temporal.taskQueue,
      workflowId: `run:${run.id}`,
      args: [{ runId: run.id }],
    });
    const stored = await h.services.orm.em.fork().findOneOrFail(WorkflowRun, run.id);
    expect(stored.status).toBe('success');
    expect(stored.finishedAt).toBeInstanceOf(Date);
  });

  it('renders unknown routes and malformed JSON as { error }', async () => {
    const missing = await h.http.get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'Not found' });
    const bad = await h.http.post('/api/v1/anything').set('content-type', 'application/json').send('{bad');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'Malformed JSON body' });
  });
});
