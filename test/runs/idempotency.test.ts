import { randomUUID } from 'node:crypto';
import { WorkflowRun } from '../../db/entities/index.ts';
import { createTenant } from '../helpers/tenant.ts';
import { as, DOUBLE, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run API: Idempotency-Key', () => {
  const env = useRunHarness();

  it('50 concurrent starts with one key make one run and one Temporal execution', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const key = `k-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        // Half of them wait: a waiting replay must find the winner's workflow.
        as(env.h, env.t).run(
          wf.id,
          i % 2 ? { input_data: { n: 5 }, wait: true } : { input_data: { n: 5 } },
          key,
        ),
      ),
    );
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    for (const r of responses) expect([202, 200]).toContain(r.status);
    const [runId] = [...ids];
    const waited = responses.filter((r) => r.status === 200);
    for (const r of waited) expect(r.body).toMatchObject({ status: 'success', output_data: { double: 10 } });

    expect(await env.h.services.orm.em.fork().count(WorkflowRun, { workflowId: wf.id })).toBe(1);
    const executions = [];
    for await (const e of env.h.services.temporal.client.workflow.list({
      query: `WorkflowId = "run:${runId}"`,
    })) {
      executions.push(e.runId);
    }
    expect(executions).toHaveLength(1);
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
