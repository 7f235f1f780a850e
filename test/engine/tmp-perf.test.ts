import { loadRun, loadSteps, saveWorkflow, settle, startRun, useEngineHarness } from './dag-fixtures.ts';
describe('perf', () => {
  const env = useEngineHarness();
  it('40 chain', async () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, type: 'transform' as const, needs: i ? [`n${i - 1}`] : [], with: { expression: `${i}` } }));
    const wf = await saveWorkflow(env.h, env.workspaceId, { nodes });
    for (let k = 0; k < 3; k++) {
      const t = Date.now();
      const { runId, handle } = await startRun(env.h, wf);
      await settle(handle);
      const total = Date.now() - t;
      const run = await loadRun(env.h, runId);
      const steps = Object.values(await loadSteps(env.h, runId));
      const inAct = steps.reduce((a, s) => a + (s.durationMs ?? 0), 0);
      const hist = await handle.fetchHistory();
      const ev = hist.events!.map((e) => ({ t: Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6, type: e.eventType }));
      const sum: Record<string, number> = {};
      for (let i = 1; i < ev.length; i++) { const key = `${ev[i - 1]!.type}->${ev[i]!.type}`; sum[key] = (sum[key] ?? 0) + ev[i]!.t - ev[i - 1]!.t; }
      console.log(JSON.stringify(Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, Math.round(v)]))));
      console.log(`total ${total} ms, per step ${(total / 40).toFixed(1)} ms, in-activity avg ${(inAct / 40).toFixed(1)} ms, run ${run.finishedAt!.getTime() - run.startedAt!.getTime()} ms`);
    }
  });
});
