import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { BudgetGuard } from '../../domain/billing/budget-guard.ts';
import { type UsageCharge, UsageLedger } from '../../domain/billing/usage-ledger.ts';
import { createApiKey } from '../../domain/keys/api-keys.service.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { TEST_PRICES as PRICES } from './support/test-prices.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

describe('GET /api/v1/usage', () => {
  let h: Harness;
  let a: Tenant;
  let b: Tenant;
  let secondKey: string;
  let ledger: UsageLedger;
  const range = 'from=2026-03-01&to=2026-04-01';

  /** Records a call, dated `day` (noon UTC) of March 2026. */
  async function call(tenant: Tenant, day: number, over: Partial<UsageCharge>): Promise<void> {
    const c: UsageCharge = {
      chargeKey: `test:${randomUUID()}`,
      workspaceId: tenant.workspaceId,
      ownerId: tenant.ownerId,
      apiKeyId: tenant.apiKeyId,
      jobId: randomUUID(),
      runId: null,
      agentId: 'builtin:assistant',
      model: 'acme/big',
      inputTokens: 1000,
      outputTokens: 100,
      ...over,
    };
    await ledger.record(c);
    const at = new Date(Date.UTC(2026, 2, day, 12));
    await h.services.orm.em
      .getConnection()
      .execute('update usage_records set created_at = ? where charge_key = ?', [at, c.chargeKey]);
  }

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    a = await createTenant(h, { scopes: ['agents'] });
    b = await createTenant(h);
    ledger = new UsageLedger(h.services.orm.em, PRICES);
    secondKey = (
      await createApiKey(h.services.orm.em.fork(), h.config.keyPepper!, {
        workspaceId: a.workspaceId,
        ownerId: a.ownerId,
        name: 'second',
        scopes: ['workflows'],
      })
    ).id;
    // acme/big 1000 in + 100 out = 3000 + 1500 = 4500 micro-units.
    await call(a, 1, {});
    await call(a, 1, { agentId: 'builtin:summarizer', inputTokens: null, outputTokens: null });
    // acme/odd: ceil((1 × 7 + 1 × 13) / 1e6) = 1.
    await call(a, 2, { model: 'acme/odd', inputTokens: 1, outputTokens: 1, apiKeyId: secondKey });
    await call(a, 2, {
      model: 'other/free',
      agentId: null,
      apiKeyId: null,
      runId: randomUUID(),
      jobId: null,
    });
    // Outside the range (February, and April 1st at noon).
    await call(a, 0, {});
    await call(a, 32, {});
    // Another workspace, same days: never counted, never seen.
    await call(b, 1, { inputTokens: 999_999, outputTokens: 999_999 });
    await call(b, 2, { model: 'b/secret-model' });
  });
  afterAll(async () => {
    await h.close();
  });

  const usage = (query: string, key = a.key) => h.http.get(`/api/v1/usage?${query}`).set('X-API-Key', key);
  const figures = (
    calls: number,
    input: number,
    output: number,
    cost: number,
    unknown = 0,
    unpriced = 0,
  ) => ({
    calls,
    input_tokens: input,
    output_tokens: output,
    cost_micros: cost,
    unknown_usage_calls: unknown,
    unpriced_calls: unpriced,
  });

  it('groups by day (the default) with exact totals of the workspace only', async () => {
    const res = await usage(range);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      group_by: 'day',
      totals: figures(4, 2001, 201, 4501, 1, 1),
      groups: [
        { key: '2026-03-01', ...figures(2, 1000, 100, 4500, 1, 0) },
        { key: '2026-03-02', ...figures(2, 1001, 101, 1, 0, 1) },
      ],
    });
  });

  it('groups by model, key and agent; calls without a key or agent form the null group', async () => {
    const by = async (group: string) => (await usage(`${range}&group_by=${group}`)).body;
    expect((await by('model')).groups).toEqual([
      { key: 'acme/big', ...figures(2, 1000, 100, 4500, 1, 0) },
      { key: 'acme/odd', ...figures(1, 1, 1, 1) },
      { key: 'other/free', ...figures(1, 1000, 100, 0, 0, 1) },
    ]);
    const keys = (await by('key')).groups as { key: string | null }[];
    expect(keys).toHaveLength(3);
    expect(keys.find((g) => g.key === a.apiKeyId)).toEqual({
      key: a.apiKeyId,
      ...figures(2, 1000, 100, 4500, 1),
    });
    expect(keys.find((g) => g.key === secondKey)).toEqual({ key: secondKey, ...figures(1, 1, 1, 1) });
    expect(keys[2]).toEqual({ key: null, ...figures(1, 1000, 100, 0, 0, 1) });
    const agents = await by('agent');
    expect(agents.group_by).toBe('agent');
    expect(agents.totals).toEqual(figures(4, 2001, 201, 4501, 1, 1));
    expect(agents.groups.map((g: { key: string | null; calls: number }) => [g.key, g.calls])).toEqual([
      ['builtin:assistant', 2],
      ['builtin:summarizer', 1],
      [null, 1],
    ]);
  });

  it('takes date-times with offsets; `to` is exclusive and defaults to the current UTC month', async () => {
    const day1 = await usage('from=2026-03-01T12:00:00Z&to=2026-03-02T13:00:00%2B01:00');
    expect(day1.body.totals.calls).toBe(2); // March 2nd noon UTC is 13:00+01:00: excluded
    const now = new Date();
    const current = await usage('');
    expect(current.status).toBe(200);
    expect(current.body.from).toBe(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    );
    expect(current.body.to).toBe(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    );
    expect(current.body.totals.calls).toBe(0);
  });

  it("shows another workspace only its own usage, and nothing of this one's", async () => {
    const res = await usage(`${range}&group_by=model`, b.key);
    expect(res.status).toBe(200);
    expect(res.body.totals.calls).toBe(2);
    expect(res.body.groups.map((g: { key: string }) => g.key)).toEqual(['acme/big', 'b/secret-model']);
    const own = await usage(`${range}&group_by=model`);
    expect(JSON.stringify(own.body)).not.toContain('b/secret-model');
  });

  it('answers 400 { error } for bad parameters and 403 without the agents scope', async () => {
    const bad = [
      'from=yesterday',
      'from=2026-02-30',
      'to=2026-13-01',
      'from=2026-03-01T00:00:00',
      'from=2026-04-01&to=2026-03-01',
      'from=2026-03-01&to=2026-03-01',
      'group_by=week',
    ];
    for (const query of bad) {
      const res = await usage(query);
      expect([query, res.status, typeof res.body.error]).toEqual([query, 400, 'string']);
    }
    expect((await usage('group_by=week')).body.error).toMatch(
      /group_by must be one of day, model, key, agent/,
    );
    expect((await usage('from=2026-04-01&to=2026-03-01')).body.error).toBe('from must be before to');
    const workflowsOnly = await createTenant(h, { scopes: ['workflows'] });
    expect((await usage(range, workflowsOnly.key)).status).toBe(403);
  });

  it('documents the operation and its answer', async () => {
    const doc = (await h.http.get('/api/v1/openapi.json')).body;
    const op = doc.paths['/api/v1/usage'].get;
    expect(op.operationId).toBe('getUsage');
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['from', 'to', 'group_by']);
    expect(doc.components.schemas.UsageReport.required).toEqual([
      'from',
      'to',
      'group_by',
      'totals',
      'groups',
    ]);
    expect(doc.components.responses.BudgetExceeded.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/BudgetExceededError',
    });
  });

  it('renders a refused budget as 402 with the budget and the spend', async () => {
    const key = await createApiKey(h.services.orm.em.fork(), h.config.keyPepper!, {
      workspaceId: a.workspaceId,
      ownerId: a.ownerId,
      name: 'capped',
      scopes: ['agents'],
      monthlyBudgetMicros: 4000,
    });
    await ledger.record({
      chargeKey: `test:${randomUUID()}`,
      workspaceId: a.workspaceId,
      ownerId: a.ownerId,
      apiKeyId: key.id,
      jobId: null,
      runId: null,
      agentId: null,
      model: 'acme/big',
      inputTokens: 1000,
      outputTokens: 100,
    });
    const guard = new BudgetGuard(h.services.orm.em);
    h.api.koa.use(async (ctx, next) => {
      if (ctx.path !== '/test/budget') return next();
      await guard.assertWithinBudget(key.id);
      ctx.body = { ok: true };
    });
    const res = await supertest(h.api.koa.callback()).get('/test/budget');
    expect(res.status).toBe(402);
    expect(res.body).toEqual({ error: 'Budget exceeded', budget_micros: 4000, spent_micros: 4500 });
  });
});
