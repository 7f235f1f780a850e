import { randomUUID } from 'node:crypto';
import type { WorkflowGraph } from '../../core/dag/definition.ts';
import { RunStep } from '../../db/entities/index.ts';
import { withOverrides } from '../../infra/config.ts';
import { startWorker, type RunningWorker } from '../../worker/worker.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { TEST_ENV } from '../helpers/test-env.ts';
import { workerProcesses, type WorkerProcesses } from '../reliability/support/worker-process.ts';
import {
  createWorkspace,
  eventually,
  historyOf,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
} from './dag-fixtures.ts';

/** Lets a light node run for seconds (tail recursion, constant memory) without hitting the deadline. */
const EXPRESSION_TIMEOUT_MS = 60_000;
const SLOW_COUNT = 400_000;

describe('a worker killed mid-run', () => {
  let h: Harness;
  let workers: WorkerProcesses;
  const replacements: RunningWorker[] = [];
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    workers = workerProcesses(h);
  });
  afterAll(async () => {
    await workers.killAll();
    for (const worker of replacements) await worker.stop();
    await h.close();
  });

  /** Starts the run on a worker process of its own, waits for `ready`, then kills that process. */
  async function startThenKill(
    graph: WorkflowGraph,
    ready: (steps: Awaited<ReturnType<typeof loadSteps>>) => boolean,
  ) {
    const taskQueue = `crash-${randomUUID()}`;
    const child = await workers.start(taskQueue, { EXPRESSION_TIMEOUT_MS: String(EXPRESSION_TIMEOUT_MS) });
    const wf = await saveWorkflow(h, await createWorkspace(h), graph);
    const { runId, handle } = await startRun(h, wf, { n: 4 }, taskQueue);
    const before = await eventually(() => loadSteps(h, runId), ready);
    await workers.kill(child);
    const config = withOverrides(h.config, {
      temporal: { ...h.config.temporal, taskQueue },
      expressionTimeoutMs: EXPRESSION_TIMEOUT_MS,
    });
    replacements.push(
      await startWorker({
        config,
        orm: h.services.orm,
        log: h.services.log,
        events: h.services.events,
        workflowBundle: { codePath: process.env[TEST_ENV.bundlePath]! },
      }),
    );
    return { runId, handle, before };
  }

  /** Every node has exactly one step row, finished once, on its first attempt. */
  async function expectOneCleanRowPerNode(runId: string, nodeIds: string[]) {
    const rows = await h.services.orm.em.fork().find(RunStep, { runId });
    expect(rows.map((r) => r.nodeId).sort()).toEqual([...nodeIds].sort());
    for (const row of rows) expect(row).toMatchObject({ status: 'success', attempt: 1 });
  }

  it('leaves the run to finish on a fresh worker, with no duplicate or re-run steps', async () => {
    const { runId, handle } = await startThenKill(
      {
        nodes: [
          { id: 'before', type: 'transform', with: { expression: 'input.n + 1' } },
          { id: 'nap', type: 'delay', needs: ['before'], with: { seconds: 2 } },
          {
            id: 'after',
            type: 'transform',
            needs: ['nap'],
            with: { expression: 'nodes.before.output * 10' },
          },
        ],
      },
      (steps) => steps.nap?.status === 'running',
    );
    const { result } = await settle(handle);
    expect(result).toEqual({ runId, status: 'success' });
    const run = await loadRun(h, runId);
    expect(run.status).toBe('success');
    expect(run.outputData).toEqual({ after: 50 });
    await expectOneCleanRowPerNode(runId, ['after', 'before', 'nap']);
  });

  it('re-executes local activities whose workflow task was lost without redoing finished steps', async () => {
    // `before` is recorded by its local activity while `slow` still holds the same workflow task:
    // killing the worker then loses that task, and the fresh worker runs both activities again.
    const { runId, handle, before } = await startThenKill(
      {
        nodes: [
          { id: 'before', type: 'transform', with: { expression: 'input.n + 1' } },
          {
            id: 'slow',
            type: 'transform',
            needs: ['before'],
            with: { expression: `($f := function($i) { $i < ${SLOW_COUNT} ? $f($i + 1) : $i }; $f(0))` },
          },
          {
            id: 'after',
            type: 'transform',
            needs: ['slow'],
            with: { expression: 'nodes.before.output * 10' },
          },
        ],
      },
      (steps) => steps.before?.status === 'success',
    );
    expect(before.slow!.status).toBe('pending');
    const { result } = await settle(handle);
    expect(result).toEqual({ runId, status: 'success' });
    expect((await loadRun(h, runId)).outputData).toEqual({ after: 50 });
    await expectOneCleanRowPerNode(runId, ['after', 'before', 'slow']);
    const steps = await loadSteps(h, runId);
    expect(steps.slow!.output).toBe(SLOW_COUNT);
    // The re-executed activity found `before` finished and left it alone.
    expect(steps.before!.finishedAt).toEqual(before.before!.finishedAt);
    const history = await historyOf(handle);
    expect(history.map((e) => e.type)).toContain('WORKFLOW_TASK_TIMED_OUT');
  });
});
