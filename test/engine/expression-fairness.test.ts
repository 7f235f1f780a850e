import {
  createWorkspace,
  ENDLESS_EXPRESSION,
  eventually,
  loadRun,
  saveWorkflow,
  settle,
  startRun,
  useEngineHarness,
} from './dag-fixtures.ts';

const DEADLINE_MS = 400;
const HEAVY_RUNS = 12;
const LIGHT_RUNS = 3;

describe('one workspace flooding slow expressions does not starve another', () => {
  // One expression process: every job waits its turn, so the queue's order is all that matters.
  const env = useEngineHarness({
    env: { EXPRESSION_TIMEOUT_MS: String(DEADLINE_MS), EXPRESSION_POOL_SIZE: '1' },
  });

  it("serves workspace B's light runs while workspace A's backlog still waits", async () => {
    const heavy = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'spin', type: 'transform', with: { expression: ENDLESS_EXPRESSION } }],
    });
    const light = await saveWorkflow(env.h, await createWorkspace(env.h), {
      nodes: [{ id: 'double', type: 'transform', with: { expression: 'input.n * 2' } }],
    });
    const heavyRuns = await Promise.all(Array.from({ length: HEAVY_RUNS }, () => startRun(env.h, heavy)));
    const statusesOf = () => Promise.all(heavyRuns.map(async (r) => (await loadRun(env.h, r.runId)).status));
    // A's jobs have been holding the one process for a while: the rest of them wait behind it.
    await eventually(statusesOf, (statuses) => statuses.includes('failed'));

    const lightRuns = await Promise.all(
      Array.from({ length: LIGHT_RUNS }, (_, n) => startRun(env.h, light, { n })),
    );
    await Promise.all(lightRuns.map((r) => settle(r.handle)));
    const heavyStatusesWhenLightDone = await statusesOf();

    for (const [n, r] of lightRuns.entries()) {
      const run = await loadRun(env.h, r.runId);
      expect(run.status).toBe('success');
      expect(run.outputData).toEqual({ double: n * 2 });
    }
    // A FIFO queue would have served all of A's earlier jobs first (none left pending); round-robin
    // lets each B job wait for at most one A job.
    const stillWaiting = heavyStatusesWhenLightDone.filter((s) => s !== 'failed').length;
    expect(stillWaiting).toBeGreaterThanOrEqual(HEAVY_RUNS / 2);

    await Promise.all(heavyRuns.map((r) => settle(r.handle)));
    for (const r of heavyRuns) {
      const run = await loadRun(env.h, r.runId);
      expect(run.status).toBe('failed');
      expect(run.errorMessage).toMatch(`expression timed out after ${DEADLINE_MS} ms`);
    }
  }, 60_000);
});
