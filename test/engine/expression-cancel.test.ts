import {
  ENDLESS_EXPRESSION,
  eventually,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
  useEngineHarness,
} from './dag-fixtures.ts';

/**
 * Longer than it takes a cancel to reach a waiting local activity: its workflow task stays open
 * while the activity waits, so Temporal delivers the cancel at the task's heartbeat (~8 s).
 */
const DEADLINE_MS = 15_000;
const CANCELLED_RUNS = 3;

describe('a cancelled run leaves the expression queue', () => {
  // One expression process: every job of the workspace waits its turn, first in, first out.
  const env = useEngineHarness({
    env: { EXPRESSION_TIMEOUT_MS: String(DEADLINE_MS), EXPRESSION_POOL_SIZE: '1' },
  });

  it('drops the waiting jobs of cancelled runs instead of spending a deadline on each', async () => {
    const spin = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'spin', type: 'transform', with: { expression: ENDLESS_EXPRESSION } }],
    });
    const light = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'one', type: 'transform', with: { expression: '1' } }],
    });
    const runStatus = (runId: string) => async () => (await loadRun(env.h, runId)).status;
    const blocker = await startRun(env.h, spin);
    await eventually(runStatus(blocker.runId), (s) => s === 'running');
    const doomed = await Promise.all(Array.from({ length: CANCELLED_RUNS }, () => startRun(env.h, spin)));
    for (const r of doomed) await eventually(runStatus(r.runId), (s) => s === 'running');
    const after = await startRun(env.h, light);
    await Promise.all(doomed.map((r) => r.handle.cancel()));

    await Promise.all([after, blocker, ...doomed].map((r) => settle(r.handle)));
    for (const r of doomed) {
      expect((await loadRun(env.h, r.runId)).status).toBe('cancelled');
      // Its evaluation was refused as cancelled, never run into the deadline. The refusal's own
      // error write races the workflow closing the step (a cancelled local activity is not waited
      // for), so the step shows that refusal or no error at all, never an evaluation's.
      const step = (await loadSteps(env.h, r.runId)).spin;
      expect(step?.status).toBe('cancelled');
      expect(step?.error ?? 'CANCELLED').toBe('CANCELLED');
    }
    const blocked = await loadRun(env.h, blocker.runId);
    expect(blocked.errorMessage).toMatch(`expression timed out after ${DEADLINE_MS} ms`);
    const next = await loadRun(env.h, after.runId);
    expect(next.status).toBe('success');
    // Had any cancelled job still been evaluated, it would have held the one process for a whole
    // deadline between the blocker and this run.
    expect(next.finishedAt!.getTime() - blocked.finishedAt!.getTime()).toBeLessThan(DEADLINE_MS);
  }, 90_000);
});
