import {
  eventually,
  historyOf,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
  useEngineHarness,
  workflowTaskTrouble,
} from './dag-fixtures.ts';

/** Above Temporal's default workflow task timeout (10 s): a light node's activity outlives the task's. */
const LONG_EXPRESSION_MS = 11_000;
/** Tail recursion: neither the stack nor the heap grows, so only the deadline stops it. */
const ENDLESS = '($f := function($x) { $f($x) }; $f(1))';

describe('bookkeeping and light nodes run as local activities', () => {
  const env = useEngineHarness();

  it('runs a transform and condition run without a single server-side activity task', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'double', type: 'transform', with: { expression: 'input.n * 2' } },
        { id: 'big', type: 'condition', needs: ['double'], with: { expression: 'nodes.double.output > 5' } },
        {
          id: 'no',
          type: 'transform',
          needs: ['big'],
          when: '$not(nodes.big.output)',
          with: { expression: '0' },
        },
        { id: 'below', type: 'transform', needs: ['no'], with: { expression: '1' } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf, { n: 3 });
    await settle(handle);
    expect((await loadRun(env.h, runId)).status).toBe('success');
    const history = await historyOf(handle);
    expect(history.filter((e) => e.type === 'ACTIVITY_TASK_SCHEDULED')).toEqual([]);
    // Local activities' markers (a patch's marker names no activity).
    const markers = history.filter((e) => e.type === 'MARKER_RECORDED' && e.activity);
    expect(markers.map((e) => e.activity)).toEqual([
      'planRun',
      'runNode',
      'runNode',
      'runNode',
      'skipSteps',
      'completeRun',
    ]);
    expect(history.filter((e) => e.type === 'WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
    const steps = await loadSteps(env.h, runId);
    expect(Object.values(steps).map((s) => [s.nodeId, s.status, s.attempt])).toEqual(
      expect.arrayContaining([
        ['double', 'success', 1],
        ['big', 'success', 1],
        ['no', 'skipped', 0],
        ['below', 'skipped', 0],
      ]),
    );
  });

  it('keeps http and agent nodes as regular, heartbeating activities', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'prep', type: 'transform', with: { expression: '"hi"' } },
        {
          id: 'ask',
          type: 'agent',
          needs: ['prep'],
          with: { agent_id: 'a', message: '{{ nodes.prep.output }}' },
        },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    await settle(handle);
    expect((await loadRun(env.h, runId)).errorMessage).toMatch(/^node "ask" failed: Agent "a" not found/);
    const history = await historyOf(handle);
    expect(history.filter((e) => e.type === 'ACTIVITY_TASK_SCHEDULED')).toEqual([
      { type: 'ACTIVITY_TASK_SCHEDULED', activity: 'runNode' },
    ]);
    const raw = await handle.fetchHistory();
    const scheduled = raw.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    expect(Number(scheduled.activityTaskScheduledEventAttributes!.heartbeatTimeout?.seconds)).toBeGreaterThan(
      0,
    );
  });
});

describe('a light node whose expression outlasts the workflow task timeout', () => {
  const env = useEngineHarness({ env: { EXPRESSION_TIMEOUT_MS: String(LONG_EXPRESSION_MS) } });

  it('fails its step at the expression deadline; the workflow task is heartbeated, never failed', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        {
          id: 'spin',
          type: 'transform',
          with: { expression: ENDLESS },
          retry: { max_attempts: 3, backoff_seconds: 0.1 },
        },
        { id: 'nap', type: 'delay', with: { seconds: 1 } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toBe(`node "spin" failed: expression timed out after ${LONG_EXPRESSION_MS} ms`);
    const steps = await loadSteps(env.h, runId);
    expect(steps.spin).toMatchObject({ status: 'failed', attempt: 1 });
    // The sibling delay had begun, then was cancelled by the failure.
    expect(steps.nap).toMatchObject({ status: 'cancelled' });
    expect(steps.nap!.startedAt).toBeInstanceOf(Date);
    const history = await historyOf(handle);
    expect(workflowTaskTrouble(history)).toEqual([]);
    // While the long activity ran, the worker heartbeated the task: the delay's timer went out
    // with that heartbeat, before the activity's result was recorded.
    const types = history.map((e) => e.activity ?? e.type);
    expect(types.indexOf('TIMER_STARTED')).toBeGreaterThan(-1);
    expect(types.indexOf('TIMER_STARTED')).toBeLessThan(types.indexOf('runNode'));
  });

  it('is reached by a cancellation while its expression runs', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'first', type: 'transform', with: { expression: '1' } },
        { id: 'spin', type: 'transform', needs: ['first'], with: { expression: ENDLESS } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    await eventually(
      async () => (await loadSteps(env.h, runId)).first?.status,
      (s) => s === 'success',
    );
    await handle.cancel();
    await settle(handle);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await loadRun(env.h, runId)).toMatchObject({ status: 'cancelled', errorMessage: null });
    const steps = await loadSteps(env.h, runId);
    expect(steps.first!.status).toBe('success');
    expect(steps.spin!.status).toBe('cancelled');
    expect(workflowTaskTrouble(await historyOf(handle))).toEqual([]);
  });
});
