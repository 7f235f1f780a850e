import type supertest from 'supertest';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { waitForRunWorkflow } from '../../domain/runs/run-wait.ts';
import { eventually } from '../engine/dag-fixtures.ts';
import { quietTemporalRuntime, startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { as, saveWorkflow } from '../runs/run-fixtures.ts';
import { privateTemporal, type PrivateTemporal } from './support/private-temporal.ts';

const RUNS = 10;
/** Long enough that every run is still waiting when the server is killed. */
const NAP_SECONDS = 8;
const RUN_SETTLE_MS = 90_000;

const GRAPH = {
  nodes: [
    { id: 'prep', type: 'transform' as const, with: { expression: 'input.n + 1' } },
    { id: 'nap', type: 'delay' as const, needs: ['prep'], with: { seconds: NAP_SECONDS } },
    {
      id: 'after',
      type: 'transform' as const,
      needs: ['nap'],
      with: { expression: 'nodes.prep.output * 10' },
    },
  ],
};

function expectUnavailable(res: supertest.Response): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 503,
    body: { error: 'Workflow engine unavailable: the run could not be started', retry_after_seconds: 5 },
  });
  expect(res.headers['retry-after']).toBe('5');
}

describe('the Temporal dev server killed and restarted while runs wait in a delay', () => {
  let temporal: PrivateTemporal;
  let h: Harness;
  let t: Tenant;
  beforeAll(async () => {
    // The worker's polls fail while the server is down: expected, so not worth a WARN line each.
    quietTemporalRuntime();
    temporal = await privateTemporal();
    await temporal.start();
    h = await startHarness({ env: { TEMPORAL_ADDRESS: temporal.address } });
    t = await createTenant(h);
  });
  afterAll(async () => {
    await h?.close();
    await temporal?.dispose();
  });

  it('answers starts 503 while it is down, then every run finishes on the same worker and API', async () => {
    const api = as(h, t);
    const wf = await saveWorkflow(h, t, GRAPH);
    const started = await Promise.all(
      Array.from({ length: RUNS }, (_, n) => api.run(wf.id, { input_data: { n } })),
    );
    expect(started.map((r) => r.status)).toEqual(Array(RUNS).fill(202));
    const runIds = started.map((r) => r.body.id as string);
    const em = h.services.orm.em.fork();
    const napping = () => em.fork().find(RunStep, { runId: { $in: runIds }, nodeId: 'nap' });
    await eventually(napping, (naps) => naps.length === RUNS && naps.every((s) => s.status === 'running'));

    await temporal.kill();
    const killedAt = new Date();

    // Starts need the engine: 503 with Retry-After, never 500, and the run is not left pending.
    const [plain, waiting] = await Promise.all([
      api.run(wf.id, { input_data: { n: RUNS } }, 'after-the-outage'),
      api.run(wf.id, { input_data: { n: RUNS + 1 }, wait: true, timeout: 5 }),
    ]);
    expectUnavailable(plain);
    expectUnavailable(waiting);
    // Reads come from Postgres and do not need it.
    const read = await api.get(`/workflow/runs/${runIds[0]}`);
    expect({ status: read.status, run: read.body.status }).toEqual({ status: 200, run: 'running' });

    await temporal.start();
    // The API reconnected by itself; the refused start's key was not used up, so its retry starts it.
    const retried = await api.run(wf.id, { input_data: { n: RUNS } }, 'after-the-outage');
    expect(retried.status).toBe(202);
    const allIds = [...runIds, retried.body.id as string];

    const outcomes = await Promise.all(
      allIds.map((id) => waitForRunWorkflow(h.services.temporal.client, id, RUN_SETTLE_MS)),
    );
    expect(outcomes).toEqual(Array(RUNS + 1).fill('closed'));
    const runs = await em.fork().find(WorkflowRun, { workflowId: wf.id });
    const byId = new Map(runs.map((r) => [r.id, r]));
    allIds.forEach((id, n) => {
      const run = byId.get(id)!;
      expect({ n, status: run.status, error: run.errorMessage, output: run.outputData }).toEqual({
        n,
        status: 'success',
        error: null,
        output: { after: (n + 1) * 10 },
      });
    });
    // The two refused starts left failed rows, never pending ones.
    const refused = runs.filter((r) => !allIds.includes(r.id));
    expect(refused.map((r) => r.status)).toEqual(['failed', 'failed']);

    const steps = await em.fork().find(RunStep, { runId: { $in: allIds } });
    expect(steps).toHaveLength(3 * allIds.length);
    expect(steps.every((s) => s.status === 'success')).toBe(true);
    for (const nap of steps.filter((s) => s.nodeId === 'nap' && runIds.includes(s.runId))) {
      // Each of the first runs was waiting across the outage.
      expect(nap.startedAt!.getTime()).toBeLessThan(killedAt.getTime());
      expect(nap.finishedAt!.getTime()).toBeGreaterThan(killedAt.getTime());
    }
  });
});
