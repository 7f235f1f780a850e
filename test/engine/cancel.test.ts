import { type WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import {
  eventually,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
  useEngineHarness,
} from './dag-fixtures.ts';

describe('cancelling a run', () => {
  const env = useEngineHarness();

  const stepStatus = (runId: string, nodeId: string) => async () =>
    (await loadSteps(env.h, runId))[nodeId]?.status;

  it('ends a delay at once: the step and the run become cancelled, finished steps stay', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'first', type: 'transform', with: { expression: '1' } },
        { id: 'nap', type: 'delay', needs: ['first'], with: { seconds: 3600 } },
        { id: 'after', type: 'transform', needs: ['nap'], with: { expression: '2' } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    await eventually(stepStatus(runId, 'nap'), (s) => s === 'running');
    await handle.cancel();
    const { error } = await settle(handle);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const run = await loadRun(env.h, runId);
    expect(run).toMatchObject({ status: 'cancelled', errorMessage: null });
    expect(run.finishedAt).toBeInstanceOf(Date);
    const steps = await loadSteps(env.h, runId);
    expect(steps.first!.status).toBe('success');
    expect(steps.nap!.status).toBe('cancelled');
    expect(steps.nap!.finishedAt).toBeInstanceOf(Date);
    expect(steps.after!.status).toBe('cancelled');
  });

  it('reaches into a child run: both runs are recorded cancelled', async () => {
    const child = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'nap', type: 'delay', with: { seconds: 3600 } }],
    });
    const parent = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'sub', type: 'workflow', with: { workflow_id: child.workflowId } }],
    });
    const { runId, handle } = await startRun(env.h, parent);
    const sub = await eventually(
      async () => (await loadSteps(env.h, runId)).sub,
      (s) => Boolean((s?.input as { child_run_id?: string } | null)?.child_run_id),
    );
    const childRunId = (sub!.input as { child_run_id: string }).child_run_id;
    await eventually(stepStatus(childRunId, 'nap'), (s) => s === 'running');
    await handle.cancel();
    await settle(handle);
    expect((await loadRun(env.h, runId)).status).toBe('cancelled');
    expect((await loadSteps(env.h, runId)).sub!.status).toBe('cancelled');
    expect((await loadRun(env.h, childRunId)).status).toBe('cancelled');
    expect((await loadSteps(env.h, childRunId)).nap!.status).toBe('cancelled');
  });
});
