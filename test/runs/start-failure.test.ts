import { Client, Connection } from '@temporalio/client';
import { launchRun } from '../../domain/runs/run-launcher.ts';
import { AppError } from '../../core/errors.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import { saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run start when Temporal refuses it', () => {
  const env = useRunHarness({ worker: false });

  it('marks the pending run failed with the reason and throws a 503', async () => {
    const wf = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'a', type: 'transform', with: { expression: '1' } }],
    });
    const em = env.h.services.orm.em.fork();
    const run = em.create(WorkflowRun, {
      workspaceId: env.t.workspaceId,
      workflowId: wf.id,
      workflowVersion: 1,
      trigger: { source: 'external_api', api_key_id: env.t.apiKeyId },
    });
    await em.flush();
    // A client whose connection is already closed: every call fails like an unreachable frontend.
    const connection = await Connection.connect({ address: env.h.config.temporal.address! });
    await connection.close();
    const services = { ...env.h.services, temporal: { connection, client: new Client({ connection }) } };

    const err = await launchRun(services, run, 'wf', { onError: 'fail-run' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(503);
    const stored = await env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, run.id);
    expect(stored.status).toBe('failed');
    expect(stored.errorMessage).toMatch(/Could not start the run on the workflow engine/);
    expect(stored.finishedAt).toBeInstanceOf(Date);
  });
});
