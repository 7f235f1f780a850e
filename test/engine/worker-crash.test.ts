import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RunStep } from '../../db/entities/index.ts';
import { withOverrides } from '../../infra/config.ts';
import { startWorker, type RunningWorker } from '../../worker/worker.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { TEST_ENV } from '../helpers/test-env.ts';
import {
  createWorkspace,
  eventually,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
} from './dag-fixtures.ts';

const DAGEN_BIN = fileURLToPath(new URL('../../bin/dagen.js', import.meta.url));

/** Starts `dagen worker` as its own process on `taskQueue` and resolves once it polls. */
async function spawnWorker(h: Harness, taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [DAGEN_BIN, 'worker'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: h.config.databaseUrl,
      TEMPORAL_ADDRESS: h.config.temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DAGEN_KEY_PEPPER: h.config.keyPepper,
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
  });
  return child;
}

describe('a worker killed mid-run', () => {
  let h: Harness;
  let replacement: RunningWorker | undefined;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await replacement?.stop();
    await h.close();
  });

  it('leaves the run to finish on a fresh worker, with no duplicate or re-run steps', async () => {
    const taskQueue = `crash-${randomUUID()}`;
    child = await spawnWorker(h, taskQueue);
    const workspaceId = await createWorkspace(h);
    const wf = await saveWorkflow(h, workspaceId, {
      nodes: [
        { id: 'before', type: 'transform', with: { expression: 'input.n + 1' } },
        { id: 'nap', type: 'delay', needs: ['before'], with: { seconds: 2 } },
        { id: 'after', type: 'transform', needs: ['nap'], with: { expression: 'nodes.before.output * 10' } },
      ],
    });
    const { runId, handle } = await startRun(h, wf, { n: 4 }, taskQueue);
    await eventually(
      async () => (await loadSteps(h, runId)).nap?.status,
      (s) => s === 'running',
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    replacement = await startWorker({
      config: withOverrides(h.config, { temporal: { ...h.config.temporal, taskQueue } }),
      orm: h.services.orm,
      log: h.services.log,
      workflowBundle: { codePath: process.env[TEST_ENV.bundlePath]! },
    });
    const { result } = await settle(handle);
    expect(result).toEqual({ runId, status: 'success' });
    const run = await loadRun(h, runId);
    expect(run.status).toBe('success');
    expect(run.outputData).toEqual({ after: 50 });
    const rows = await h.services.orm.em.fork().find(RunStep, { runId });
    expect(rows.map((r) => r.nodeId).sort()).toEqual(['after', 'before', 'nap']);
    for (const row of rows) expect(row).toMatchObject({ status: 'success', attempt: 1 });
  });
});
