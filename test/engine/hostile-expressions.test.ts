import {
  historyOf,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
  useEngineHarness,
  workflowTaskTrouble,
} from './dag-fixtures.ts';

describe('hostile expressions fail their step and leave the worker healthy', () => {
  const env = useEngineHarness({ env: { EXPRESSION_TIMEOUT_MS: '1500', EXPRESSION_MEMORY_MB: '64' } });

  async function runTransform(expression: string) {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        {
          id: 'evil',
          type: 'transform',
          with: { expression },
          retry: { max_attempts: 3, backoff_seconds: 0.1 },
        },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    await settle(handle);
    // The light node ran as a local activity inside the workflow task: that task never failed.
    expect(workflowTaskTrouble(await historyOf(handle))).toEqual([]);
    return { run: await loadRun(env.h, runId), step: (await loadSteps(env.h, runId)).evil! };
  }

  it.each([
    ['a huge range', '$sum([1..100000000])', /range operator \(\.\.\) must not exceed/],
    ['runaway recursion', '($f := function($x) { $f($x) }; $f(1))', /timed out after 1500 ms|memory limit/],
    ['a giant string', '$pad("", 1e9)', /Invalid string length|memory limit/],
    [
      'a memory bomb',
      '$count([1..9999999].($string($) & "xxxxxxxxxxxxxxxx"))',
      /exceeded the 64 MB memory limit|timed out/,
    ],
    [
      'deep recursion',
      '($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(10000000))',
      /memory limit|timed out|stack/i,
    ],
  ])('%s', async (_label, expression, reason) => {
    const { run, step } = await runTransform(expression);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(/^node "evil" failed: /);
    expect(run.errorMessage).toMatch(reason);
    // Not retried: the same expression would fail the same way.
    expect(step).toMatchObject({ status: 'failed', attempt: 1 });
  });

  it('still evaluates ordinary expressions afterwards', async () => {
    const { run, step } = await runTransform('$sum([1..100])');
    expect(run.status).toBe('success');
    expect(step.output).toBe(5050);
  });

  it('applies the same limits to `when`, templates and the output expression', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'ok', type: 'transform', with: { expression: '1' } }],
      output: '($f := function($x) { $f($x) }; $f(1))',
    });
    const { runId, handle } = await startRun(env.h, wf);
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(/^output expression failed: .*(timed out|memory limit)/);
  });
});
