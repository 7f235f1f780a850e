import type { WorkflowHandle } from '@temporalio/client';
import type supertest from 'supertest';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import { eventually, historyOf, type HistoryEntry } from '../engine/dag-fixtures.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { saveWorkflow } from '../runs/run-fixtures.ts';
import { FIRST_PAUSE_MS, MAX_PAUSE_MS } from '../../workflows/database-pause.ts';
import { privatePostgres, type PrivatePostgres } from './support/postgres-private.ts';

const RUNS = 20;
/** The outage the issue reproduced: long enough that every run's delay ends while it lasts. */
const OUTAGE_MS = 15_000;
/**
 * Long enough that no run's delay ends before the last run has begun its own (20 starts on a busy
 * machine), short enough that every delay ends during the outage.
 */
const NAP_SECONDS = 10;
const NODES = ['first', 'nap', 'after'];
/** A pause: the failed local activity's marker, the timer started and fired, one workflow task. */
const EVENTS_PER_PAUSE = 6;
/** The delay's own end during the outage: its timer fired and the workflow task that follows. */
const DELAY_END_EVENTS = 4;

/** What 20 runs wait in: a light node, a delay, a light node that needs the delay. */
const GRAPH = {
  nodes: [
    { id: 'first', type: 'transform' as const, with: { expression: 'input.n * 2' } },
    { id: 'nap', type: 'delay' as const, needs: ['first'], with: { seconds: NAP_SECONDS } },
    {
      id: 'after',
      type: 'transform' as const,
      needs: ['nap'],
      with: { expression: 'nodes.first.output + 1' },
    },
  ],
};

/** How many pauses of the backoff (1 s doubling, capped) begin within `ms`: the most a run may take. */
function pausesBegunWithin(ms: number): number {
  let count = 0;
  for (let at = 0, pause = FIRST_PAUSE_MS; at < ms; at += pause, pause = Math.min(pause * 2, MAX_PAUSE_MS))
    count++;
  return count;
}

/** The durable pauses a run took waiting for the database: its timers besides the delay's own. */
function pauses(history: HistoryEntry[]): number {
  return history.filter((e) => e.type === 'TIMER_STARTED').length - 1;
}

/** A 503 as the contract says: `{ error }` and a Retry-After, no driver text, no address. */
function expectUnavailable(res: supertest.Response, port: string): void {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(res.body.error).toEqual(expect.any(String));
  expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|terminat|select /i);
  expect(res.text).not.toContain(port);
}

describe('Postgres stopped and started while runs wait in a delay', () => {
  let pg: PrivatePostgres;
  let h: Harness;
  let t: Tenant;
  beforeAll(async () => {
    pg = await privatePostgres();
    h = await startHarness({ env: { DATABASE_URL: pg.databaseUrl } });
    t = await createTenant(h);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await pg?.destroy();
  });

  it('pauses every run through the outage and finishes all of them once it is back', async () => {
    const port = new URL(pg.databaseUrl).port;
    const wf = await saveWorkflow(h, t, GRAPH);
    const started = await Promise.all(
      Array.from({ length: RUNS }, (_, n) =>
        h.http.post(`/api/v1/workflow/${wf.id}/run`).set('x-api-key', t.key).send({ input_data: { n } }),
      ),
    );
    expect(started.map((res) => res.status)).toEqual(Array(RUNS).fill(202));
    const runIds = started.map((res) => res.body.run_id as string);
    const handles: WorkflowHandle[] = runIds.map((id) =>
      h.services.temporal.client.workflow.getHandle(`run:${id}`),
    );

    // Every run waits in its delay, then the database goes away before any delay ends.
    await eventually(
      () =>
        h.services.orm.em.fork().count(RunStep, { runId: { $in: runIds }, nodeId: 'nap', status: 'running' }),
      (napping) => napping === RUNS,
      60_000,
    );
    await pg.stop();
    const stoppedAt = Date.now();
    const atStop = await Promise.all(handles.map(historyOf));
    expect(atStop.map(pauses)).toEqual(Array(RUNS).fill(0));

    // Meanwhile the API answers 503 with Retry-After, never 500.
    expectUnavailable(await h.http.get(`/api/v1/workflow/runs/${runIds[0]}`).set('x-api-key', t.key), port);
    expectUnavailable(
      await h.http
        .post(`/api/v1/workflow/${wf.id}/run`)
        .set('x-api-key', t.key)
        .send({ input_data: { n: 1 } }),
      port,
    );

    // Every delay ends during the outage: each run pauses on a durable timer instead of failing.
    const atRestart = await eventually(
      () => Promise.all(handles.map(historyOf)),
      (histories) => histories.every((hist) => pauses(hist) > 0) && Date.now() - stoppedAt >= OUTAGE_MS,
      OUTAGE_MS + 60_000,
    );
    const outageSeconds = (Date.now() - stoppedAt) / 1000;
    await pg.start();

    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.map((r) => r.status)).toEqual(Array(RUNS).fill('success'));
    const em = h.services.orm.em.fork();
    const runs = await em.find(WorkflowRun, { id: { $in: runIds } });
    expect(runs.map((r) => [r.status, r.errorMessage])).toEqual(Array(RUNS).fill(['success', null]));
    const steps = await em.find(
      RunStep,
      { runId: { $in: runIds } },
      { orderBy: { runId: 'asc', nodeId: 'asc' } },
    );
    expect(steps).toHaveLength(RUNS * NODES.length);
    for (const runId of runIds) {
      const own = steps.filter((s) => s.runId === runId);
      expect(own.map((s) => [s.nodeId, s.status, s.error])).toEqual(
        [...NODES].sort().map((id) => [id, 'success', null]),
      );
    }

    // History stays small: pauses back off (1 s doubling to a cap), each costing a handful of events,
    // so an hour's outage costs a few hundred events, not a workflow task every few seconds.
    const maxPauses = pausesBegunWithin(outageSeconds * 1000);
    for (const [i, history] of atRestart.entries()) {
      expect(pauses(history)).toBeLessThanOrEqual(maxPauses);
      expect(history.length - atStop[i]!.length).toBeLessThanOrEqual(
        EVENTS_PER_PAUSE * maxPauses + DELAY_END_EVENTS,
      );
    }
  }, 180_000);
});
