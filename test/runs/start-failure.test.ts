import { randomUUID } from 'node:crypto';
import { launchRun } from '../../domain/runs/run-launcher.ts';
import { AppError } from '../../core/errors.ts';
import { WorkflowDefinition, WorkflowRun } from '../../db/entities/index.ts';
import { captureLog } from '../auth/support/log-capture.ts';
import { until } from '../helpers/until.ts';
import { as, DOUBLE, refusingTemporal, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run start failures', () => {
  const captured = captureLog();
  const env = useRunHarness({ log: captured.log });

  it('marks the pending run failed with the reason, frees its key and throws a 503', async () => {
    const wf = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'a', type: 'transform', with: { expression: '1' } }],
    });
    const em = env.h.services.orm.em.fork();
    const run = em.create(WorkflowRun, {
      workspaceId: env.t.workspaceId,
      workflowId: wf.id,
      workflowVersion: 1,
      trigger: { source: 'external_api', api_key_id: env.t.apiKeyId },
      idempotencyKey: `k-${randomUUID()}`,
      idempotencyHash: 'h',
    });
    await em.flush();
    const services = await refusingTemporal(env.h);

    const err = await launchRun(services, run, 'wf', { onError: 'fail-run' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(503);
    const stored = await env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, run.id);
    expect(stored.status).toBe('failed');
    expect(stored.errorMessage).toMatch(/Could not start the run on the workflow engine/);
    expect(stored.finishedAt).toBeInstanceOf(Date);
    expect(stored.idempotencyKey).toBeNull();
  });

  it('a failing last_run_at update never fails a start that happened', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    // A trigger on this workflow's row makes Postgres refuse exactly the last_run_at UPDATE.
    const name = `fail_last_run_${randomUUID().replaceAll('-', '')}`;
    const connection = env.h.services.orm.em.getConnection();
    await connection.execute(
      `create function ${name}() returns trigger language plpgsql as ` +
        `$body$ begin raise exception 'injected last_run_at failure'; end $body$`,
    );
    await connection.execute(
      `create trigger ${name} before update of last_run_at on workflow_definitions for each row ` +
        `when (new.id = '${wf.id}') execute function ${name}()`,
    );
    try {
      const accepted = await as(env.h, env.t).run(wf.id, { input_data: { n: 4 } });
      expect(accepted.status).toBe(202);
      const waited = await as(env.h, env.t).run(wf.id, { input_data: { n: 5 }, wait: true, timeout: 60 });
      expect(waited.status).toBe(200);
      expect(waited.body).toMatchObject({ status: 'success', output_data: { double: 10 } });
      const handle = env.h.services.temporal.client.workflow.getHandle(`run:${accepted.body.id}`);
      expect(await handle.result()).toMatchObject({ status: 'success' });
      const row = await env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, accepted.body.id);
      expect(row.status).toBe('success');
      // Each start's stamp is written after its answer: wait for both writes to fail before the
      // trigger goes.
      await until(() => captured.messages('could not record the workflow last_run_at').length === 2);
    } finally {
      await connection.execute(`drop trigger ${name} on workflow_definitions`);
      await connection.execute(`drop function ${name}()`);
    }
    const definition = await env.h.services.orm.em.fork().findOneOrFail(WorkflowDefinition, wf.id);
    expect(definition.lastRunAt).toBeNull();
    const warnings = captured.messages('could not record the workflow last_run_at');
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings[0])).toMatch(/injected last_run_at failure/);
  });
});
