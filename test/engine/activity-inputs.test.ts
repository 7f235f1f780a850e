// The activities accept both input shapes: node ids (since the `run-plan-by-id` patch) and the whole
// node or graph that runs begun before it still pass. Real Postgres and expression processes; the
// SDK's activity environment only provides each call's context (attempt, cancellation signal).
import { MockActivityEnvironment } from '@temporalio/testing';
import type { WorkflowGraph } from '../../core/dag/definition.ts';
import { createActivities } from '../../activities/index.ts';
import { createLogger } from '../../infra/logger.ts';
import {
  insertRun,
  loadRun,
  loadSteps,
  saveWorkflow,
  useEngineHarness,
  type SavedWorkflow,
} from './dag-fixtures.ts';

const GRAPH: WorkflowGraph = {
  nodes: [
    { id: 'double', type: 'transform', with: { expression: 'input.n * 2' } },
    { id: 'nap', type: 'delay', needs: ['double'], with: { seconds: '{{ nodes.double.output / 4 }}' } },
  ],
  output: '{ "double": nodes.double.output }',
};

describe('DAG activities: inputs by id and the older whole-node inputs', () => {
  const env = useEngineHarness({ worker: false });
  let built: ReturnType<typeof createActivities>;
  let saved: SavedWorkflow;
  const call = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(fn) as Promise<T>;

  beforeAll(async () => {
    built = createActivities({
      orm: env.h.services.orm,
      config: env.h.config,
      log: createLogger('silent'),
      events: env.h.services.events,
    });
    saved = await saveWorkflow(env.h, env.workspaceId, GRAPH);
  });
  afterAll(() => built?.close());

  const newRun = () => insertRun(env.h, saved, { n: 4 });

  it('runs a run named by ids: the plan holds no definition, nodes are read from the version', async () => {
    const a = built.activities;
    const runId = await newRun();
    const plan = await call(() => a.planRun(runId));
    if (plan.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(plan)}`);
    expect(plan.nodes).toEqual([
      { id: 'double', type: 'transform', needs: [] },
      { id: 'nap', type: 'delay', needs: ['double'] },
    ]);
    const { versionId } = plan;
    expect(await call(() => a.runNode({ runId, versionId, nodeId: 'double' }))).toEqual({
      status: 'success',
    });
    expect(await call(() => a.beginStep({ runId, versionId, nodeId: 'nap' }))).toEqual({
      status: 'running',
      seconds: 2,
    });
    await call(() => a.completeStep({ runId, nodeId: 'nap', output: { seconds: 2 } }));
    expect(await call(() => a.completeRun({ runId, versionId }))).toEqual({ status: 'success' });
    expect(await loadRun(env.h, runId)).toMatchObject({ status: 'success', outputData: { double: 8 } });
    await expect(call(() => a.runNode({ runId, versionId, nodeId: 'ghost' }))).rejects.toThrow(
      `node "ghost" is not in version ${versionId}`,
    );
  });

  it('still runs a run whose workflow passes whole nodes and the whole graph', async () => {
    const a = built.activities;
    const runId = await newRun();
    const started = await call(() => a.startRun(runId));
    if (started.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(started)}`);
    const [double, nap] = started.graph.nodes;
    expect(await call(() => a.runNode({ runId, node: double! }))).toEqual({ status: 'success' });
    expect(await call(() => a.beginStep({ runId, node: nap! }))).toEqual({
      status: 'running',
      with: { seconds: 2 },
    });
    await call(() => a.completeStep({ runId, nodeId: 'nap', output: { seconds: 2 } }));
    expect(await call(() => a.completeRun({ runId, output: started.graph.output, sinks: ['nap'] }))).toEqual({
      status: 'success',
    });
    expect(await loadRun(env.h, runId)).toMatchObject({ status: 'success', outputData: { double: 8 } });
    expect((await loadSteps(env.h, runId)).nap).toMatchObject({ status: 'success', input: { seconds: 2 } });
  });
});
