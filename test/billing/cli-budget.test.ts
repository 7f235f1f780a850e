import { randomUUID } from 'node:crypto';
import { dagenJson as dagen } from '../helpers/dagen-cli.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('dagen keys: monthly budgets', () => {
  let h: Harness;
  let workspace: string;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    workspace = `budget-${randomUUID()}`;
    expect((await dagen('workspaces', 'create', '--name', workspace)).code).toBe(0);
    expect(
      (await dagen('users', 'create', '--email', 'pay@example.test', '--workspace', workspace)).code,
    ).toBe(0);
  });
  afterAll(async () => {
    await h.close();
  });

  const createKey = (...flags: string[]) =>
    dagen(
      'keys',
      'create',
      '--workspace',
      workspace,
      '--owner',
      'pay@example.test',
      '--scopes',
      'agents',
      ...flags,
    );
  const listed = async () =>
    (await dagen('keys', 'list', '--workspace', workspace)).out.keys as {
      id: string;
      monthly_budget_micros: unknown;
    }[];
  const budgetOf = async (id: unknown) => (await listed()).find((k) => k.id === id)?.monthly_budget_micros;

  it('creates a key with a budget, lists it, and refuses a budget that is not a positive whole number', async () => {
    const capped = await createKey('--monthly-budget-micros', '2500000');
    expect(capped.code).toBe(0);
    expect(capped.out.monthly_budget_micros).toBe(2_500_000);
    const open = await createKey();
    expect(open.out.monthly_budget_micros).toBeNull();
    expect(await budgetOf(capped.out.id)).toBe(2_500_000);
    expect(await budgetOf(open.out.id)).toBeNull();

    for (const bad of ['0', '-5', '1.5', '1e6', '0x10', 'lots', '9007199254740992']) {
      const refused = await createKey('--monthly-budget-micros', bad);
      expect([bad, refused.code === 0, String(refused.out.error)]).toEqual([
        bad,
        false,
        expect.stringMatching(/monthly budget|monthly-budget-micros/),
      ]);
    }
    expect((await createKey('--monthly-budget-micros', String(Number.MAX_SAFE_INTEGER))).code).toBe(0);
  });

  it('rotates keeping the old budget, or setting the one given', async () => {
    const capped = await createKey('--monthly-budget-micros', '700');
    const kept = await dagen('keys', 'rotate', String(capped.out.id));
    expect(kept.code).toBe(0);
    expect(kept.out.monthly_budget_micros).toBe(700);
    expect(await budgetOf(kept.out.id)).toBe(700);

    const changed = await dagen('keys', 'rotate', String(kept.out.id), '--monthly-budget-micros', '1200');
    expect(changed.out.monthly_budget_micros).toBe(1200);
    expect(await budgetOf(changed.out.id)).toBe(1200);

    const open = await createKey();
    const capNow = await dagen('keys', 'rotate', String(open.out.id), '--monthly-budget-micros', '5');
    expect(await budgetOf(capNow.out.id)).toBe(5);

    const refused = await dagen('keys', 'rotate', String(capNow.out.id), '--monthly-budget-micros', '0');
    expect(refused.code).not.toBe(0);
    expect(refused.out.error).toMatch(/monthly budget must be a whole number/);
    // Nothing rotated: the key is still the active one.
    expect((await listed()).find((k) => k.id === capNow.out.id)).toMatchObject({ status: 'active' });
  });
});
