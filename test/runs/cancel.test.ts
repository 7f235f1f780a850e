import { WorkflowRun } from '../../db/entities/index.ts';
import { as, DOUBLE, delayed, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run API: cancel', () => {
  const env = useRunHarness();

  it('cancels a run during a delay: 200 with status cancelled, then 400 naming the status', async () => {
    const wf = await saveWorkflow(env.h, env.t, delayed(60));
    const started = await as(env.h, env.t).run(wf.id, { wait: true, timeout: 1 });
    expect(started.status).toBe(202);
    expect(started.body.status).toBe('running');

    const cancelled = await as(env.h, env.t).cancel(started.body.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: started.body.id, status: 'cancelled' });
    expect(cancelled.body.finished_at).toEqual(expect.any(String));
    const pause = (cancelled.body.steps as { node_id: string; status: string }[]).find(
      (s) => s.node_id === 'pause',
    );
    expect(pause?.status).toBe('cancelled');
    const row = await env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, started.body.id);
    expect(row.status).toBe('cancelled');

    const twice = await as(env.h, env.t).cancel(started.body.id);
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatch(/Run is cancelled/);
  });

  it('refuses to cancel a finished run', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const done = await as(env.h, env.t).run(wf.id, { input_data: { n: 1 }, wait: true });
    expect(done.body.status).toBe('success');
    const res = await as(env.h, env.t).cancel(done.body.id);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Run is success; only pending or running runs can be cancelled');
  });
});

describe('run API: cancel a run no worker has picked up', () => {
  const env = useRunHarness({ worker: false });

  it('ends it cancelled and terminates its workflow', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const started = await as(env.h, env.t).run(wf.id, { input_data: { n: 1 } });
    expect(started.body.status).toBe('pending');
    const res = await as(env.h, env.t).cancel(started.body.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    const described = await env.h.services.temporal.client.workflow
      .getHandle(`run:${started.body.id}`)
      .describe();
    expect(described.status.name).toBe('TERMINATED');
  }, 30_000);
});
