import { Migration } from '@mikro-orm/migrations';

/**
 * A2A on the same jobs and runs: jobs may wait for input (`input_required`) and carry artifacts, jobs
 * and runs remember how A2A asked for them, sessions carry a client's context id, and tasks get their
 * files and push notification configs.
 */
export class Migration20261129230000_a2a_tasks extends Migration {
  override up(): void {
    this.addSql(`alter table "jobs" drop constraint "jobs_status_check";`);
    this.addSql(
      `alter table "jobs" add constraint "jobs_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'cancelled', 'input_required'));`,
    );
    this.addSql(
      `create table "task_files" ("id" uuid not null, "workspace_id" uuid not null, "task_id" uuid not null, "name" varchar(255) null, "media_type" varchar(255) not null, "size" int not null, "source_url" text null, "content" bytea not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "task_files_task_id_index" on "task_files" ("task_id");`);
    this.addSql(
      `create table "task_push_configs" ("task_id" uuid not null, "id" varchar(255) not null, "workspace_id" uuid not null, "url" text not null, "token" text null, "authentication" jsonb null, "protocol_version" text check ("protocol_version" in ('1.0', '0.3')) not null default '1.0', "created_at" timestamptz not null, primary key ("task_id", "id"));`,
    );
    this.addSql(
      `create index "task_push_configs_workspace_id_task_id_index" on "task_push_configs" ("workspace_id", "task_id");`,
    );
    this.addSql(`alter table "chat_sessions" add "context_id" varchar(255) null;`);
    this.addSql(
      `alter table "chat_sessions" add constraint "chat_sessions_workspace_id_agent_id_context_id_unique" unique ("workspace_id", "agent_id", "context_id");`,
    );
    this.addSql(`alter table "jobs" add "artifacts" jsonb null, add "a2a" jsonb null;`);
    this.addSql(`alter table "workflow_runs" add "a2a" jsonb null;`);
  }
}
