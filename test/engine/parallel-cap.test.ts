import { loadRun, loadSteps, saveWorkflow, settle, startRun, useEngineHarness } from './dag-fixtures.ts';

describe('the per-run parallelism cap (RUN_MAX_PARALLEL_NODES)', () => {
  const env = useEngineHarness({ env: { RUN_MAX_PARALLEL_NODES: '1' } });

  it('runs ready nodes one at a time when the cap is 1', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'left', type: 'delay', with: { seconds: 0.5 } },
        { id: 'right', type: 'delay', with: { seconds: 0.5 } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    await settle(handle);
    expect((await loadRun(env.h, runId)).status).toBe('success');
    const { left, right } = await loadSteps(env.h, runId);
    // No overlap: the second started after the first finished.
    expect(right!.startedAt!.getTime()).toBeGreaterThanOrEqual(left!.finishedAt!.getTime());
  });
});
