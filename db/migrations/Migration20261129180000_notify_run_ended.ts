import { Migration } from '@mikro-orm/migrations';

/**
 * Announces every run that reaches a final status on the `dagen_run_ended` channel (payload: the run
 * id), whoever wrote it (the engine, a cancel, the reconciler). An API process holding `wait`
 * requests listens on one connection instead of long-polling Temporal once per request. The
 * notification is sent at commit, so a listener that then reads the row sees it final. The SQL is
 * the ORM's own rendering of the trigger declared on WorkflowRun, literal here like every migration.
 */
export class Migration20261129180000_notify_run_ended extends Migration {
  override up(): void {
    this.addSql(
      `create or replace function "workflow_runs_workflow_runs_notify_ended_fn"() returns trigger as $$ begin perform pg_notify('dagen_run_ended', new.id::text); return null; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "workflow_runs_notify_ended" AFTER UPDATE on "workflow_runs" for each ROW
  when (((new.status = ANY (ARRAY['success'::text, 'failed'::text, 'cancelled'::text])) AND (new.status IS DISTINCT FROM old.status))) execute function "workflow_runs_workflow_runs_notify_ended_fn"();`,
    );
  }
}
