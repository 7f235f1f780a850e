import type pg from 'pg';

/**
 * The baselines' activities. `double` is the bare step (comparable to a transform node's expression);
 * the `record*` ones are what a hand-written workflow that keeps dagen's records would add: its run
 * row and one row per step in Postgres, one statement per write (tables from bench-stack.ts).
 */
export function createBaselineActivities(pool: pg.Pool) {
  return {
    async double(n: number): Promise<number> {
      return n * 2;
    },
    async recordStart(runId: string): Promise<void> {
      await pool.query('insert into bench_runs (id, status) values ($1, $2)', [runId, 'running']);
    },
    async recordedDouble(runId: string, step: number, n: number): Promise<number> {
      const output = n * 2;
      await pool.query('insert into bench_steps (run_id, step, output) values ($1, $2, $3)', [
        runId,
        step,
        output,
      ]);
      return output;
    },
    async recordEnd(runId: string, output: number): Promise<void> {
      await pool.query('update bench_runs set status = $2, output = $3 where id = $1', [
        runId,
        'success',
        output,
      ]);
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;

/** The baselines' tables, created in the bench's scratch database. */
export const BASELINE_TABLES_SQL = `
  create table if not exists bench_runs (id text primary key, status text not null, output bigint);
  create table if not exists bench_steps (run_id text not null, step int not null, output bigint,
    primary key (run_id, step));`;
