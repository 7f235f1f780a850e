import pg from 'pg';
import { RUN_END_LISTENER_NAME, RunEndWatcher } from '../../domain/runs/run-end-watcher.ts';
import { moveRun } from '../../domain/runs/run-state.ts';
import { until } from '../helpers/until.ts';
import { DOUBLE, insertStrandedRun, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run-end watcher: how held waits learn that their run ended', () => {
  const env = useRunHarness();
  let watcher: RunEndWatcher;
  beforeAll(() => {
    watcher = new RunEndWatcher(env.h.services.config.databaseUrl!, env.h.services.log);
  });
  afterAll(() => watcher.close());

  async function pendingRun(): Promise<string> {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    return insertStrandedRun(env.h, env.t, wf, { inputData: { n: 1 } });
  }
  const move = (runId: string, to: 'running' | 'success' | 'cancelled') =>
    moveRun(env.h.services.orm.em.fork(), runId, to);

  it('the database announces a run id when its row becomes final, not on other moves', async () => {
    const listener = new pg.Client({ connectionString: env.h.services.config.databaseUrl });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (msg) => heard.push(msg.payload ?? ''));
    await listener.query('listen dagen_run_ended');
    try {
      const first = await pendingRun();
      const second = await pendingRun();
      expect(await move(first, 'running')).toBe(true);
      expect(await move(second, 'cancelled')).toBe(true);
      expect(await move(first, 'success')).toBe(true);
      await until(() => heard.length >= 2);
      expect(heard).toEqual([second, first]);
    } finally {
      await listener.end();
    }
  });

  it('ends a held wait when the run ends, and a wait on a run that already ended at once', async () => {
    const runId = await pendingRun();
    const waiting = watcher.waitForEnd(runId, 120_000);
    expect(await move(runId, 'running')).toBe(true);
    expect(await move(runId, 'success')).toBe(true);
    await expect(waiting).resolves.toBe('ended');
    await expect(watcher.waitForEnd(runId, 120_000)).resolves.toBe('ended');
  });

  it('answers timeout when the timeout passes or the caller aborts first', async () => {
    const runId = await pendingRun();
    await expect(watcher.waitForEnd(runId, 100)).resolves.toBe('timeout');
    const caller = new AbortController();
    const waiting = watcher.waitForEnd(runId, 120_000, caller.signal);
    caller.abort();
    await expect(waiting).resolves.toBe('timeout');
  });

  it('still answers a run that ended while its listening connection was down', async () => {
    const runId = await pendingRun();
    const waiting = watcher.waitForEnd(runId, 120_000);
    const db = env.h.services.orm.em.getConnection();
    const listening = () =>
      db.execute<{ pid: number }[]>('select pid from pg_stat_activity where application_name = ?', [
        RUN_END_LISTENER_NAME,
      ]);
    await until(async () => (await listening()).length === 1);
    const [{ pid }] = (await listening()) as [{ pid: number }];
    await db.execute('select pg_terminate_backend(?)', [pid]);
    expect(await move(runId, 'cancelled')).toBe(true);
    await expect(waiting).resolves.toBe('ended');
    // It listens again on a new connection.
    await until(async () => (await listening()).some((row) => row.pid !== pid));
  });
});
