import { Migration } from '@mikro-orm/migrations';

/**
 * What the per-workspace cap on live runs (WORKSPACE_MAX_ACTIVE_RUNS) needs: an index to count a
 * workspace's runs by status, and the function a run insert asks for a free slot (its declaration,
 * with why it is exact under concurrency, is `RunSlotFree` in db/routines.ts).
 */
export class Migration20261129100000_active_run_limit extends Migration {
  override up(): void {
    this.addSql(
      `create index "workflow_runs_workspace_id_status_index" on "workflow_runs" ("workspace_id", "status");`,
    );
    this.addSql(`create or replace function dagen_run_slot_free(workspace uuid, max_active int)
returns boolean volatile language sql as $$
  select pg_advisory_xact_lock(hashtextextended('dagen-runs:' || workspace::text, 0));
  select count(*) < max_active
    from (select 1 from workflow_runs
           where workspace_id = workspace and status in ('pending', 'running')
           limit max_active) live;
$$;`);
  }
}
