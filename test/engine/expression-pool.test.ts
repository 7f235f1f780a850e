import { availableParallelism } from 'node:os';
import type { RunContext } from '../../core/dag/run-context.ts';
import { ExpressionPool } from '../../activities/expressions/expression-pool.ts';
import { ConfigError, loadConfig } from '../../infra/config.ts';
import { ENDLESS_EXPRESSION } from './dag-fixtures.ts';

const context = { input: {}, nodes: {} } as unknown as RunContext;

function poolOf(overrides: { size?: number; timeoutMs?: number; maxQueuedPerWorkspace?: number } = {}) {
  return new ExpressionPool({
    size: 1,
    timeoutMs: 30_000,
    maxMemoryMb: 64,
    maxResultBytes: 1024 * 1024,
    maxQueuedPerWorkspace: 100,
    ...overrides,
  });
}

/** A pool whose one process has booted and is idle, so the next job goes straight to it. */
async function warmPool(overrides: Parameters<typeof poolOf>[0] = {}) {
  const pool = poolOf(overrides);
  await value(pool, 'warm-up', 'true');
  return pool;
}

async function value(pool: ExpressionPool, workspaceId: string, expression: string, signal?: AbortSignal) {
  const result = await pool.evaluate({ context, expressions: { v: expression } }, { workspaceId, signal });
  return result.values?.v;
}

describe('expression pool: fair across workspaces, cancellable', () => {
  let pool: ExpressionPool;
  afterEach(() => pool.close());

  it('serves waiting jobs round-robin across workspaces, FIFO within one', async () => {
    pool = await warmPool();
    const order: unknown[] = [];
    const jobs = [
      ['A', 'A1'],
      ['A', 'A2'],
      ['A', 'A3'],
      ['A', 'A4'],
      ['B', 'B1'],
      ['B', 'B2'],
    ].map(([ws, label]) => value(pool, ws!, `"${label}"`).then((v) => order.push(v)));
    // A1 went straight to the one process; the rest wait.
    expect(pool.queued()).toEqual({ A: 3, B: 2 });
    await Promise.all(jobs);
    expect(order).toEqual(['A1', 'A2', 'B1', 'A3', 'B2', 'A4']);
  });

  it('drops a waiting job whose signal aborts: it never reaches a process', async () => {
    pool = await warmPool();
    const running = value(pool, 'A', '1');
    const controller = new AbortController();
    // Were it ever evaluated, this would hold the only process for the whole 30 s deadline.
    const waiting = value(pool, 'A', ENDLESS_EXPRESSION, controller.signal);
    expect(pool.queued()).toEqual({ A: 1 });
    controller.abort(new Error('activity cancelled'));
    expect(pool.queued()).toEqual({});
    await expect(waiting).rejects.toThrow('activity cancelled');
    await expect(running).resolves.toBe(1);
    await expect(value(pool, 'A', '2')).resolves.toBe(2);
  });

  it('kills the process of a running job whose signal aborts, and goes on with a fresh one', async () => {
    pool = await warmPool();
    const controller = new AbortController();
    const spinning = value(pool, 'A', ENDLESS_EXPRESSION, controller.signal);
    const next = value(pool, 'B', '"after"');
    controller.abort(new Error('activity timed out'));
    await expect(spinning).rejects.toThrow('activity timed out');
    // Well within the 30 s deadline: the spinning process was replaced, not waited for.
    await expect(next).resolves.toBe('after');
  });

  it("does not count a process's boot against a job's deadline", async () => {
    // Forking a process and loading JSONata takes far longer than 50 ms; evaluating `1 + 1` does not.
    pool = poolOf({ size: 2, timeoutMs: 50 });
    await expect(Promise.all([value(pool, 'A', '1 + 1'), value(pool, 'B', '2 + 2')])).resolves.toEqual([
      2, 4,
    ]);
  });

  it('refuses a job already aborted', async () => {
    pool = poolOf();
    await expect(value(pool, 'A', '1', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(pool.queued()).toEqual({});
  });

  it('bounds the jobs one workspace may have waiting, without refusing another workspace', async () => {
    pool = await warmPool({ maxQueuedPerWorkspace: 2 });
    const accepted = [value(pool, 'A', '1'), value(pool, 'A', '2'), value(pool, 'A', '3')];
    await expect(value(pool, 'A', '4')).rejects.toThrow(
      /too many expressions waiting in this workspace \(2\)/,
    );
    await expect(Promise.all([...accepted, value(pool, 'B', '5')])).resolves.toEqual([1, 2, 3, 5]);
  });
});

describe('expression pool: parsed expressions reused', () => {
  let pool: ExpressionPool;
  afterEach(() => pool.close());

  it('evaluates a reused expression against the context of each job, keeping no variable between jobs', async () => {
    pool = await warmPool();
    // A variable bound at the top level: were it kept from the first job, the second would answer 1.
    const expression = '$seen := $exists($seen) ? $seen : input.n';
    const evaluate = async (n: number) =>
      (
        await pool.evaluate(
          { context: { input: { n }, nodes: {} }, expressions: { v: expression } },
          { workspaceId: 'A' },
        )
      ).values?.v;
    expect(await evaluate(1)).toBe(1);
    expect(await evaluate(2)).toBe(2);
  });
});

describe('EXPRESSION_POOL_SIZE', () => {
  it('defaults to min(4, cores) and accepts 1 to 64', () => {
    expect(loadConfig({}).expressionPoolSize).toBe(Math.min(4, availableParallelism()));
    expect(loadConfig({ EXPRESSION_POOL_SIZE: '7' }).expressionPoolSize).toBe(7);
    expect(() => loadConfig({ EXPRESSION_POOL_SIZE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ EXPRESSION_POOL_SIZE: 'many' })).toThrow(/EXPRESSION_POOL_SIZE/);
  });
});
