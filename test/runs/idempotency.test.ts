import { randomUUID } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import { DefinitionHeads } from '../../domain/definitions/definition-heads.ts';
import { LastRunRecorder } from '../../domain/definitions/last-run-recorder.ts';
import { RunnableVersions } from '../../domain/definitions/runnable-versions.ts';
import { IDEMPOTENCY_KEY_TTL_MS, requestHash } from '../../domain/runs/idempotency.ts';
import { startRun } from '../../domain/runs/run-start.service.ts';
import type { Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import {
  as,
  DOUBLE,
  insertStrandedRun,
  refusingTemporal,
  saveWorkflow,
  useRunHarness,
} from './run-fixtures.ts';

/** Starts a run with `key` through services whose Temporal refuses it: the start answers 503. */
async function refusedStart(h: Harness, t: Tenant, workflowId: string, key: string, inputData: unknown) {
  const services = await refusingTemporal(h);
  const deps = {
    services,
    versions: new RunnableVersions(),
    heads: new DefinitionHeads(),
    lastRuns: new LastRunRecorder(services.orm, services.log),
  };
  const caller = { workspaceId: t.workspaceId, ownerId: t.ownerId, apiKeyId: t.apiKeyId, scopes: [] };
  const err = await startRun(deps, caller, workflowId, {
    inputData,
    source: 'external_api',
    idempotencyKey: key,
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(503);
}

/**
 * `count` concurrent starts with one key and input. Half of them wait: a waiting replay must find
 * the winner's workflow.
 */
function burst(h: Harness, t: Tenant, workflowId: string, key: string, inputData: unknown, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      as(h, t).run(workflowId, { input_data: inputData, ...(i % 2 ? { wait: true } : {}) }, key),
    ),
  );
}

/** Temporal executions of the run's workflow id. */
async function executionsOf(h: Harness, runId: string): Promise<string[]> {
  const executions = [];
  for await (const e of h.services.temporal.client.workflow.list({ query: `WorkflowId = "run:${runId}"` })) {
    executions.push(e.runId);
  }
  return executions;
}

/** Moves a run's creation back by `ms`, as if it had been started that long ago. */
async function backDate(h: Harness, runId: string, ms: number): Promise<void> {
  await h.services.orm.em
    .fork()
    .nativeUpdate(WorkflowRun, { id: runId }, { createdAt: new Date(Date.now() - ms) });
}

describe('run API: Idempotency-Key', () => {
  const env = useRunHarness();

  it('50 concurrent starts with one key make one run and one Temporal execution', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    const responses = await burst(env.h, env.t, wf.id, key, { n: 5 }, 50);
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    for (const r of responses) expect([202, 200]).toContain(r.status);
    const [runId] = [...ids];
    const waited = responses.filter((r) => r.status === 200);
    for (const r of waited) expect(r.body).toMatchObject({ status: 'success', output_data: { double: 10 } });

    expect(await env.h.services.orm.em.fork().count(WorkflowRun, { workflowId: wf.id })).toBe(1);
    expect(await executionsOf(env.h, runId!)).toHaveLength(1);
  });

  it('a start Temporal refused (503) does not burn the key: a retry starts a run that succeeds', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    await refusedStart(env.h, env.t, wf.id, key, { n: 3 });
    const em = env.h.services.orm.em.fork();
    const failed = await em.findOneOrFail(WorkflowRun, { workflowId: wf.id });
    expect(failed).toMatchObject({ status: 'failed', idempotencyKey: null });

    const retry = await as(env.h, env.t).run(wf.id, { input_data: { n: 3 } }, key);
    expect(retry.status).toBe(202);
    expect(retry.body.id).not.toBe(failed.id);
    const handle = env.h.services.temporal.client.workflow.getHandle(`run:${retry.body.id}`);
    expect(await handle.result()).toMatchObject({ status: 'success' });
    const done = await as(env.h, env.t).get(`/workflow/runs/${retry.body.id}`);
    expect(done.body).toMatchObject({ status: 'success', output_data: { double: 6 } });
    // The key now belongs to the run that started: the next retry replays it.
    const replayed = await as(env.h, env.t).run(wf.id, { input_data: { n: 3 } }, key);
    expect(replayed.body.id).toBe(retry.body.id);
  });

  it('concurrent retries after a refused start make exactly one run', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    await refusedStart(env.h, env.t, wf.id, key, { n: 7 });
    const responses = await burst(env.h, env.t, wf.id, key, { n: 7 }, 20);
    for (const r of responses) expect([202, 200]).toContain(r.status);
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    const [runId] = [...ids];
    const em = env.h.services.orm.em.fork();
    expect(await em.count(WorkflowRun, { workflowId: wf.id })).toBe(2);
    expect(await em.count(WorkflowRun, { workflowId: wf.id, idempotencyKey: key })).toBe(1);
    expect(await executionsOf(env.h, runId!)).toHaveLength(1);
    for (const r of responses.filter((r) => r.status === 200)) {
      expect(r.body).toMatchObject({ id: runId, status: 'success', output_data: { double: 14 } });
    }
  });

  it('a replay of a run left pending answers 503 while Temporal refuses, then starts that run', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    const stranded = await insertStrandedRun(env.h, env.t, wf, {
      inputData: { n: 4 },
      idempotencyKey: key,
      idempotencyHash: requestHash(wf.id, { n: 4 }),
    });

    await refusedStart(env.h, env.t, wf.id, key, { n: 4 });
    expect(await env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, stranded)).toMatchObject({
      status: 'pending',
      idempotencyKey: key,
    });

    const retry = await as(env.h, env.t).run(wf.id, { input_data: { n: 4 }, wait: true }, key);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: stranded, status: 'success', output_data: { double: 8 } });
  });

  it('a key replays for 24 h; after that the same key starts one new run', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    const first = await as(env.h, env.t).run(wf.id, { input_data: { n: 2 }, wait: true }, key);
    expect(first.status).toBe(200);
    const minute = 60_000;

    await backDate(env.h, first.body.id, IDEMPOTENCY_KEY_TTL_MS - minute);
    const stillFresh = await as(env.h, env.t).run(wf.id, { input_data: { n: 2 } }, key);
    expect(stillFresh.body.id).toBe(first.body.id);

    await backDate(env.h, first.body.id, IDEMPOTENCY_KEY_TTL_MS + minute);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => as(env.h, env.t).run(wf.id, { input_data: { n: 2 } }, key)),
    );
    for (const r of responses) expect(r.status).toBe(202);
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    const [runId] = [...ids];
    expect(runId).not.toBe(first.body.id);
    const em = env.h.services.orm.em.fork();
    expect(await em.count(WorkflowRun, { workflowId: wf.id })).toBe(2);
    expect(await em.findOneOrFail(WorkflowRun, first.body.id)).toMatchObject({
      status: 'success',
      idempotencyKey: null,
    });
    const handle = env.h.services.temporal.client.workflow.getHandle(`run:${runId}`);
    expect(await handle.result()).toMatchObject({ status: 'success' });

    // An expired key may also come back with another body: it is a new request.
    await backDate(env.h, runId!, IDEMPOTENCY_KEY_TTL_MS + minute);
    const other = await as(env.h, env.t).run(wf.id, { input_data: { n: 9 }, wait: true }, key);
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ status: 'success', output_data: { double: 18 } });
  });

  it('replays the first run for the same key and body, later too, and 422s a different body', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    const first = await as(env.h, env.t).run(
      wf.id,
      { input_data: { n: 1, m: { a: 1, b: 2 } }, wait: true },
      key,
    );
    expect(first.status).toBe(200);
    // Same input with keys in another order, and without wait: still the same request.
    const again = await as(env.h, env.t).run(wf.id, { input_data: { m: { b: 2, a: 1 }, n: 1 } }, key);
    expect(again.body.id).toBe(first.body.id);

    const different = await as(env.h, env.t).run(wf.id, { input_data: { n: 2 } }, key);
    expect(different.status).toBe(422);
    expect(different.body.error).toMatch(/Idempotency-Key was already used/);
    const otherWorkflow = await saveWorkflow(env.h, env.t, DOUBLE);
    expect(
      (await as(env.h, env.t).run(otherWorkflow.id, { input_data: { n: 1, m: { a: 1, b: 2 } } }, key)).status,
    ).toBe(422);
  });

  it('scopes keys to the workspace and validates the header', async () => {
    const other = await createTenant(env.h);
    const mine = await saveWorkflow(env.h, env.t, DOUBLE);
    const theirs = await saveWorkflow(env.h, other, DOUBLE);
    const key = `k-${randomUUID()}`;
    const a = await as(env.h, env.t).run(mine.id, { input_data: { n: 1 } }, key);
    const b = await as(env.h, other).run(theirs.id, { input_data: { n: 1 } }, key);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.id).not.toBe(b.body.id);

    const bad = await as(env.h, env.t).run(mine.id, {}, 'has space');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/Idempotency-Key/);
  });
});
