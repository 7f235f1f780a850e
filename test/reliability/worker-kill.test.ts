import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { startTestServer, type TestServer } from '../engine/http-test-server.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { as, saveWorkflow } from '../runs/run-fixtures.ts';
import { waitForRunWorkflow } from '../../domain/runs/run-wait.ts';
import { workerProcesses, type WorkerProcesses } from './support/worker-process.ts';

const RUNS = 40;
const ALLOW_LOOPBACK = { HTTP_NODE_ALLOWLIST: '127.0.0.1' };
/** Longer than the time to the heartbeat timeout (10 s) of a lost http step plus its retry. */
const RUN_SETTLE_MS = 90_000;

/**
 * Each run doubles its input, calls the stand-in server (held at `/gate/` until the test opens it)
 * beside a short delay, then combines both. While every run's call is held, the worker is mid-run
 * in all 40: that is when it is killed.
 */
function graph(port: number) {
  return {
    nodes: [
      { id: 'prep', type: 'transform' as const, with: { expression: 'input.n * 2' } },
      {
        id: 'call',
        type: 'http' as const,
        needs: ['prep'],
        with: { url: `http://127.0.0.1:${port}/gate/{{ input.n }}` },
        retry: { max_attempts: 3, backoff_seconds: 0.2 },
      },
      { id: 'nap', type: 'delay' as const, needs: ['prep'], with: { seconds: 1 } },
      {
        id: 'sum',
        type: 'transform' as const,
        needs: ['call', 'nap'],
        with: { expression: '{ "doubled": nodes.prep.output, "path": nodes.call.output.body.path }' },
      },
    ],
  };
}
const NODE_IDS = ['call', 'nap', 'prep', 'sum'];

describe('a worker killed with kill -9 while 40 runs are in flight', () => {
  let h: Harness;
  let t: Tenant;
  let server: TestServer;
  let workers: WorkerProcesses;
  beforeAll(async () => {
    server = await startTestServer();
    h = await startHarness({ worker: false, env: ALLOW_LOOPBACK });
    t = await createTenant(h);
    workers = workerProcesses(h);
  });
  afterAll(async () => {
    await workers?.killAll();
    await h?.close();
    await server?.close();
  });

  it('lets a fresh worker finish every run: exact step rows, each once, with the right outputs', async () => {
    const taskQueue = h.config.temporal.taskQueue;
    const first = await workers.start(taskQueue, ALLOW_LOOPBACK);
    const wf = await saveWorkflow(h, t, graph(server.port));
    const api = as(h, t);
    const started = await Promise.all(
      Array.from({ length: RUNS }, (_, n) => api.run(wf.id, { input_data: { n } })),
    );
    expect(started.map((r) => r.status)).toEqual(Array(RUNS).fill(202));
    const runIds = started.map((r) => r.body.id as string);

    // Every run has its http step in flight on the first worker: kill it there.
    await server.whenHits('gate', RUNS);
    await workers.kill(first);
    await server.whenAborted('gate', RUNS);
    server.openGate();
    await workers.start(taskQueue, ALLOW_LOOPBACK);

    const outcomes = await Promise.all(
      runIds.map((id) => waitForRunWorkflow(h.services.temporal.client, id, RUN_SETTLE_MS)),
    );
    expect(outcomes).toEqual(Array(RUNS).fill('closed'));

    const em = h.services.orm.em.fork();
    const runs = await em.find(WorkflowRun, { workflowId: wf.id });
    expect(runs.map((r) => r.id).sort()).toEqual([...runIds].sort());
    const inputOf = new Map(runs.map((r) => [r.id, (r.inputData as { n: number }).n]));
    for (const run of runs) {
      const n = inputOf.get(run.id)!;
      expect({ n, status: run.status, error: run.errorMessage, output: run.outputData }).toEqual({
        n,
        status: 'success',
        error: null,
        output: { sum: { doubled: n * 2, path: `/gate/${n}` } },
      });
    }

    const steps = await em.find(RunStep, { runId: { $in: runIds } });
    expect(steps).toHaveLength(RUNS * NODE_IDS.length);
    for (const id of runIds) {
      const own = steps.filter((s) => s.runId === id);
      expect(own.map((s) => s.nodeId).sort()).toEqual(NODE_IDS);
      for (const step of own) {
        // The killed worker's http call was lost and retried once; nothing else ran twice.
        expect({ node: step.nodeId, status: step.status, error: step.error, attempt: step.attempt }).toEqual({
          node: step.nodeId,
          status: 'success',
          error: null,
          attempt: step.nodeId === 'call' ? 2 : 1,
        });
      }
    }
    // Each held call was cut off by the kill, then sent again and answered.
    expect(server.aborted.filter((p) => p.startsWith('/gate/'))).toHaveLength(RUNS);
    expect(server.hits.filter((p) => p.startsWith('/gate/'))).toHaveLength(2 * RUNS);
  });
});
