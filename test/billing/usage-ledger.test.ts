import { randomUUID } from 'node:crypto';
import { BudgetExceededError } from '../../core/errors.ts';
import { BudgetGuard, monthStartUtc } from '../../domain/billing/budget-guard.ts';
import { type UsageCharge, UsageLedger } from '../../domain/billing/usage-ledger.ts';
import { createApiKey, rotateApiKey } from '../../domain/keys/api-keys.service.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { TEST_PRICES as PRICES } from './support/test-prices.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

describe('usage ledger and budget guard', () => {
  let h: Harness;
  let t: Tenant;
  let ledger: UsageLedger;
  let guard: BudgetGuard;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    t = await createTenant(h);
    ledger = new UsageLedger(h.services.orm.em, PRICES);
    guard = new BudgetGuard(h.services.orm.em);
  });
  afterAll(async () => {
    await h.close();
  });

  const charge = (over: Partial<UsageCharge> = {}): UsageCharge => ({
    chargeKey: `job:${randomUUID()}:1`,
    workspaceId: t.workspaceId,
    ownerId: t.ownerId,
    apiKeyId: t.apiKeyId,
    jobId: randomUUID(),
    runId: null,
    agentId: 'builtin:assistant',
    model: 'acme/big',
    inputTokens: 1000,
    outputTokens: 500,
    ...over,
  });

  const rowsOf = (chargeKey: string) =>
    h.services.orm.em.getConnection().execute<
      {
        provider: string;
        model: string;
        input_tokens: number | null;
        cost_micros: string | null;
        priced: boolean;
      }[]
    >('select provider, model, input_tokens, cost_micros, priced from usage_records where charge_key = ?', [chargeKey]);

  /** A key of the tenant's workspace with a budget, and a way to spend on it at a given time. */
  async function budgetKey(budget: number | null): Promise<string> {
    const created = await createApiKey(h.services.orm.em.fork(), h.config.keyPepper!, {
      workspaceId: t.workspaceId,
      ownerId: t.ownerId,
      name: 'budgeted',
      scopes: ['agents'],
      monthlyBudgetMicros: budget,
    });
    return created.id;
  }
  async function spend(apiKeyId: string, costMicros: number, at?: Date): Promise<void> {
    const c = charge({ apiKeyId, model: 'acme/unit', inputTokens: 0, outputTokens: costMicros });
    await ledger.record(c);
    if (at) {
      await h.services.orm.em
        .getConnection()
        .execute('update usage_records set created_at = ? where charge_key = ?', [at, c.chargeKey]);
    }
  }

  it('writes one row per charge key: a retried call is not charged twice', async () => {
    const c = charge();
    const first = await ledger.record(c);
    expect(first).toEqual({
      charged: true,
      inputTokens: 1000,
      outputTokens: 500,
      costMicros: 10_500,
      priced: true,
    });
    // A retry got other tokens from the provider: the first record stands and is answered.
    const again = await ledger.record({ ...c, inputTokens: 9, outputTokens: 9 });
    expect(again).toEqual({ ...first, charged: false });
    const rows = await rowsOf(c.chargeKey);
    expect(rows).toEqual([
      { provider: 'acme', model: 'big', input_tokens: 1000, cost_micros: '10500', priced: true },
    ]);
  });

  it('records unknown usage as nulls, never 0, and flags an unpriced model', async () => {
    const unknown = charge({ inputTokens: null, outputTokens: null });
    expect(await ledger.record(unknown)).toMatchObject({ charged: true, costMicros: null, priced: true });
    expect(await rowsOf(unknown.chargeKey)).toEqual([
      { provider: 'acme', model: 'big', input_tokens: null, cost_micros: null, priced: true },
    ]);
    const unpriced = charge({ model: 'other/model-x' });
    expect(await ledger.record(unpriced)).toMatchObject({
      costMicros: null,
      priced: false,
      inputTokens: 1000,
    });
    expect(await rowsOf(unpriced.chargeKey)).toEqual([
      { provider: 'other', model: 'model-x', input_tokens: 1000, cost_micros: null, priced: false },
    ]);
  });

  it('refuses malformed charges before writing anything', async () => {
    await expect(ledger.record(charge({ inputTokens: -1 }))).rejects.toThrow(RangeError);
    await expect(ledger.record(charge({ outputTokens: 2 ** 31 }))).rejects.toThrow(RangeError);
    await expect(ledger.record(charge({ model: 'no-provider' }))).rejects.toThrow(RangeError);
    await expect(ledger.record(charge({ chargeKey: '' }))).rejects.toThrow(RangeError);
  });

  it('sums 100 concurrent charges exactly, to the micro-unit', async () => {
    const tenant = await createTenant(h);
    // 7 and 13 micro-units per million: every call's cost is a fraction rounded up on its own.
    const charges = Array.from({ length: 100 }, (_, i) =>
      charge({
        workspaceId: tenant.workspaceId,
        ownerId: tenant.ownerId,
        apiKeyId: tenant.apiKeyId,
        model: 'acme/odd',
        inputTokens: 1000 + i * 7919,
        outputTokens: 37 + i * 104_729,
      }),
    );
    const results = await Promise.all([...charges, ...charges.slice(0, 10)].map((c) => ledger.record(c)));
    expect(results.filter((r) => r.charged)).toHaveLength(100);
    const expected = charges.reduce(
      (sum, c) => sum + (BigInt(c.inputTokens!) * 7n + BigInt(c.outputTokens!) * 13n + 999_999n) / 1_000_000n,
      0n,
    );
    const [row] = await h.services.orm.em
      .getConnection()
      .execute<{ n: string; cost: string }[]>(
        'select count(*)::text as n, sum(cost_micros)::text as cost from usage_records where workspace_id = ?',
        [tenant.workspaceId],
      );
    expect(row).toEqual({ n: '100', cost: expected.toString() });
    const answered = results.slice(0, 100).reduce((s, r) => s + BigInt(r.costMicros!), 0n);
    expect(answered).toBe(expected);
  });

  it('lets a key spend below its budget and refuses it at and above, with budget and spend', async () => {
    const key = await budgetKey(1000);
    await guard.assertWithinBudget(key);
    await spend(key, 990);
    await guard.assertWithinBudget(key);
    await spend(key, 10);
    const refusal = await guard.assertWithinBudget(key).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(BudgetExceededError);
    expect(refusal).toMatchObject({
      status: 402,
      message: 'Budget exceeded',
      budgetMicros: 1000,
      spentMicros: 1000,
    });
    expect((refusal as BudgetExceededError).details).toEqual({ budget_micros: 1000, spent_micros: 1000 });
    await spend(key, 30);
    await expect(guard.assertWithinBudget(key)).rejects.toMatchObject({ spentMicros: 1030 });
  });

  it("counts only this UTC month: last month's spend does not", async () => {
    const key = await budgetKey(100);
    const now = new Date();
    const monthStart = monthStartUtc(now);
    await spend(key, 300, new Date(monthStart.getTime() - 1));
    await guard.assertWithinBudget(key, now);
    expect(await guard.standing(key, now)).toEqual({ budgetMicros: 100, spentMicros: 0 });
    await spend(key, 150, monthStart);
    await expect(guard.assertWithinBudget(key, now)).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('never refuses a key without a budget, nor work billed to no key', async () => {
    const key = await budgetKey(null);
    await spend(key, 1_000_000);
    await guard.assertWithinBudget(key);
    expect(await guard.standing(key)).toEqual({ budgetMicros: null, spentMicros: 0 });
    await guard.assertWithinBudget(null);
    await guard.assertWithinBudget(randomUUID());
  });

  it('carries the month’s spend across a rotation, both ways during the overlap', async () => {
    const old = await budgetKey(500);
    await spend(old, 300);
    const rotated = await rotateApiKey(h.services.orm.em.fork(), h.config.keyPepper!, old, 3_600_000);
    expect(rotated.monthlyBudgetMicros).toBe(500);
    expect(await guard.standing(rotated.id)).toEqual({ budgetMicros: 500, spentMicros: 300 });
    await spend(rotated.id, 200);
    await expect(guard.assertWithinBudget(rotated.id)).rejects.toMatchObject({ spentMicros: 500 });
    await expect(guard.assertWithinBudget(old)).rejects.toMatchObject({ spentMicros: 500 });
  });
});
