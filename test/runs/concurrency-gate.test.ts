import { ConcurrencyGate } from '../../core/concurrency-gate.ts';

/** A task that runs until released, recording how many tasks ran at once. */
function controlled(log: { running: number; most: number; order: number[] }, id: number) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const task = async () => {
    log.order.push(id);
    log.running++;
    log.most = Math.max(log.most, log.running);
    await released;
    log.running--;
    if (id < 0) throw new Error('task failed');
    return id;
  };
  return { task, release };
}

describe('ConcurrencyGate (bounds run starts in progress)', () => {
  it("runs at most `limit` tasks at once, the others in arrival order, and frees a failed task's slot", async () => {
    const gate = new ConcurrencyGate(2);
    const log = { running: 0, most: 0, order: [] as number[] };
    const tasks = [-1, 2, 3, 4].map((id) => controlled(log, id));
    const results = tasks.map((t) => gate.run(t.task).catch((err: Error) => err.message));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.order).toEqual([-1, 2]);
    tasks[0]!.release();
    await expect(results[0]).resolves.toBe('task failed');
    expect(log.order).toEqual([-1, 2, 3]);
    for (const t of tasks.slice(1)) t.release();
    await expect(Promise.all(results.slice(1))).resolves.toEqual([2, 3, 4]);
    expect(log.order).toEqual([-1, 2, 3, 4]);
    expect(log.most).toBe(2);
  });
});
