import { randomUUID } from 'node:crypto';
import type { RunStatus } from '../../core/run-status.ts';
import { Job, JobStep, UsageRecord } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

interface JobSeed {
  agentId?: string;
  status?: RunStatus;
  source?: 'external_api' | 'workflow' | 'ui';
  createdAt?: Date;
  startedAt?: Date | null;
}

describe('jobs API: read, list and cancel agent jobs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  const em = () => h.services.orm.em.fork();
  const get = (t: Tenant, path: string) => h.http.get(`/api/v1${path}`).set('X-API-Key', t.key);
  const post = (t: Tenant, path: string) => h.http.post(`/api/v1${path}`).set('X-API-Key', t.key);

  async function seedJob(t: Tenant, seed: JobSeed = {}): Promise<string> {
    const e = em();
    const status = seed.status ?? 'pending';
    const job = e.create(Job, {
      workspaceId: t.workspaceId,
      agentId: seed.agentId ?? 'builtin:assistant',
      source: seed.source ?? 'external_api',
      apiKeyId: t.apiKeyId,
      ownerId: t.ownerId,
      model: 'local/smollm2-135m-instruct',
      status,
      message: 'What time is it?',
      context: { tz: 'UTC' },
      createdAt: seed.createdAt ?? new Date(),
      startedAt: seed.startedAt === undefined ? (status === 'pending' ? null : new Date()) : seed.startedAt,
    });
    await e.flush();
    return job.id;
  }

  it('reads a job with its steps in order and its usage; an unknown cost makes the total null', async () => {
    const t = await createTenant(h);
    const created = new Date(Date.now() - 5000);
    const id = await seedJob(t, { status: 'success', createdAt: created, startedAt: created });
    const e = em();
    await e.nativeUpdate(
      Job,
      { id },
      { finalMessage: 'It is noon.', finishedAt: new Date(created.getTime() + 1500), durationMs: 1500 },
    );
    const step = (seq: number, kind: 'model' | 'tool', name: string, tokens: [number, number] | null) =>
      e.create(JobStep, {
        jobId: id,
        seq,
        kind,
        name,
        status: 'success',
        input: { seq },
        output: { ok: true },
        inputTokens: tokens?.[0] ?? null,
        outputTokens: tokens?.[1] ?? null,
        startedAt: created,
        finishedAt: created,
        durationMs: 0,
      });
    // Inserted out of order: the answer orders by seq.
    step(2, 'model', 'local/smollm2-135m-instruct', [30, 4]);
    step(0, 'model', 'local/smollm2-135m-instruct', [20, 6]);
    step(1, 'tool', 'current_time', null);
    const usage = (seq: number, input: number, output: number, cost: number | null) =>
      e.create(UsageRecord, {
        chargeKey: `job:${id}:${seq}`,
        workspaceId: t.workspaceId,
        ownerId: t.ownerId,
        apiKeyId: t.apiKeyId,
        jobId: id,
        agentId: 'builtin:assistant',
        provider: 'local',
        model: 'smollm2-135m-instruct',
        inputTokens: input,
        outputTokens: output,
        costMicros: cost,
        priced: cost !== null,
      });
    usage(0, 20, 6, 150);
    usage(2, 30, 4, null);
    await e.flush();

    const res = await get(t, `/jobs/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      job_id: id,
      agent_id: 'builtin:assistant',
      agent_version: null,
      session_id: null,
      source: 'external_api',
      status: 'success',
      model: 'local/smollm2-135m-instruct',
      message: 'What time is it?',
      context: { tz: 'UTC' },
      final_message: 'It is noon.',
      error: null,
      api_key_id: t.apiKeyId,
      run_id: null,
      created_at: created.toISOString(),
      duration_ms: 1500,
      usage: { model_calls: 2, input_tokens: 50, output_tokens: 10, cost_micros: null },
    });
    expect(res.body.steps.map((s: { seq: number; kind: string }) => [s.seq, s.kind])).toEqual([
      [0, 'model'],
      [1, 'tool'],
      [2, 'model'],
    ]);
    expect(res.body.steps[1]).toMatchObject({ name: 'current_time', input_tokens: null, input: { seq: 1 } });

    // Once every call has a price, the total is their sum.
    await e.nativeUpdate(UsageRecord, { chargeKey: `job:${id}:2` }, { costMicros: 50, priced: true });
    expect((await get(t, `/jobs/${id}`)).body.usage).toEqual({
      model_calls: 2,
      input_tokens: 50,
      output_tokens: 10,
      cost_micros: 200,
    });
  });

  it('lists newest first without steps, filters by agent, status and source, and pages by cursor', async () => {
    const t = await createTenant(h);
    const base = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await seedJob(t, {
          createdAt: new Date(base + i * 1000),
          status: i % 2 === 0 ? 'success' : 'failed',
          agentId: i < 3 ? 'builtin:assistant' : 'builtin:summarizer',
          source: i === 4 ? 'workflow' : 'external_api',
        }),
      );
    }
    const newestFirst = [...ids].reverse();
    const first = await get(t, '/jobs?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual(newestFirst.slice(0, 2));
    expect(first.body.jobs[0]).not.toHaveProperty('steps');
    expect(first.body.jobs[0].usage).toEqual({
      model_calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost_micros: 0,
    });
    const second = await get(t, `/jobs?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual(newestFirst.slice(2, 4));
    const third = await get(t, `/jobs?limit=2&cursor=${second.body.next_cursor}`);
    expect(third.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual(newestFirst.slice(4));
    expect(third.body.next_cursor).toBeNull();

    const listed = async (query: string) =>
      ((await get(t, `/jobs?${query}`)).body.jobs as { job_id: string }[]).map((j) => j.job_id);
    expect(await listed('agent_id=builtin:summarizer')).toEqual([ids[4], ids[3]]);
    expect(await listed('status=failed')).toEqual([ids[3], ids[1]]);
    expect(await listed('source=workflow')).toEqual([ids[4]]);
    expect(await listed('agent_id=builtin:assistant&status=success')).toEqual([ids[2], ids[0]]);
    expect(await listed(`agent_id=${randomUUID()}`)).toEqual([]);

    // Another workspace sees none of them.
    const other = await createTenant(h);
    expect((await get(other, '/jobs')).body).toEqual({ jobs: [], next_cursor: null });
  });

  it('answers 400 for bad list parameters', async () => {
    const t = await createTenant(h);
    for (const query of [
      'status=done',
      'source=email',
      'agent_id=nope',
      'agent_id=builtin:a%00',
      'limit=0',
      'limit=101',
      'limit=x',
      'cursor=nope',
    ]) {
      const res = await get(t, `/jobs?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(typeof res.body.error).toBe('string');
    }
  });

  it('answers 404 for another workspace’s job and for a non-uuid, on read and cancel', async () => {
    const [a, b] = [await createTenant(h), await createTenant(h)];
    const id = await seedJob(a);
    for (const path of [`/jobs/${id}`, '/jobs/not-a-uuid', `/jobs/${randomUUID()}`]) {
      const read = await get(b, path);
      expect(read.status).toBe(404);
      expect(read.body).toEqual({ error: 'Job not found' });
      expect((await post(b, `${path}/cancel`)).status).toBe(404);
    }
    // Still pending: the other workspace's cancel did not touch it.
    expect((await em().findOneOrFail(Job, id)).status).toBe('pending');
  });

  it('cancels a pending job that has no workflow, and refuses to cancel an ended one', async () => {
    const t = await createTenant(h);
    const pending = await seedJob(t, { createdAt: new Date(Date.now() - 2000) });
    const res = await post(t, `/jobs/${pending}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job_id: pending, status: 'cancelled', steps: [] });
    expect(res.body.finished_at).toEqual(expect.any(String));
    expect(res.body.duration_ms).toBeGreaterThanOrEqual(2000);

    // A running job whose workflow is gone is ended too, with its live steps.
    const running = await seedJob(t, { status: 'running' });
    const e = em();
    e.create(JobStep, {
      jobId: running,
      seq: 0,
      kind: 'model',
      name: 'local/smollm2-135m-instruct',
      status: 'running',
      startedAt: new Date(),
    });
    await e.flush();
    const ended = await post(t, `/jobs/${running}/cancel`);
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('cancelled');
    expect(ended.body.steps).toEqual([expect.objectContaining({ seq: 0, status: 'cancelled' })]);

    for (const id of [pending, await seedJob(t, { status: 'success' })]) {
      const again = await post(t, `/jobs/${id}/cancel`);
      expect(again.status).toBe(400);
      expect(again.body.error).toMatch(
        /^Job is (cancelled|success); only pending, running or input_required jobs can be cancelled$/,
      );
    }
  });
});
