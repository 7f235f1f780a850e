import { Migration } from '@mikro-orm/migrations';

/** The initial schema: workspaces, users, keys, agents, workflows and their versions, runs, steps, jobs, sessions, usage. */
export class Migration20261128000000_initial extends Migration {
  override up(): void {
    this.addSql(
      `create table "agents" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(255) not null, "description" text not null default '', "system_prompt" text not null default '', "model_id" varchar(255) null, "config" jsonb not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "agents" add constraint "agents_workspace_id_name_unique" unique ("workspace_id", "name");`,
    );
    this.addSql(
      `create table "api_keys" ("id" uuid not null, "workspace_id" uuid not null, "owner_id" uuid not null, "name" varchar(255) not null, "prefix" varchar(255) not null, "key_hash" varchar(255) not null, "scopes" text[] not null, "active" boolean not null default true, "expires_at" timestamptz null, "rate_limit_per_minute" int not null default 60, "created_at" timestamptz not null, "last_used_at" timestamptz null, "total_requests" bigint not null default '0', "revoked_at" timestamptz null, "rotated_to_id" uuid null, primary key ("id"));`,
    );
    this.addSql(`alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "api_keys_workspace_id_index" on "api_keys" ("workspace_id");`);
    this.addSql(
      `create table "chat_messages" ("id" uuid not null, "session_id" uuid not null, "seq" int not null, "role" varchar(255) not null, "content" text not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "chat_messages" add constraint "chat_messages_session_id_seq_unique" unique ("session_id", "seq");`,
    );
    this.addSql(
      `create table "chat_sessions" ("id" uuid not null, "workspace_id" uuid not null, "agent_id" varchar(255) not null, "owner_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "chat_sessions_workspace_id_index" on "chat_sessions" ("workspace_id");`);
    this.addSql(
      `create table "jobs" ("id" uuid not null, "workspace_id" uuid not null, "owner_id" uuid null, "agent_id" varchar(255) not null, "session_id" uuid null, "status" text not null default 'pending', "input" jsonb null, "output" jsonb null, "error_message" text null, "trigger" jsonb not null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "jobs_workspace_id_created_at_index" on "jobs" ("workspace_id", "created_at");`,
    );
    this.addSql(
      `alter table "jobs" add constraint "jobs_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'cancelled'));`,
    );
    this.addSql(
      `create table "job_steps" ("id" uuid not null, "job_id" uuid not null, "seq" int not null, "kind" varchar(255) not null, "name" varchar(255) not null, "status" text not null, "input" jsonb null, "output" jsonb null, "error" text null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "duration_ms" int null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "job_steps" add constraint "job_steps_job_id_seq_unique" unique ("job_id", "seq");`,
    );
    this.addSql(
      `alter table "job_steps" add constraint "job_steps_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'skipped', 'cancelled'));`,
    );
    this.addSql(
      `create table "run_steps" ("id" uuid not null, "run_id" uuid not null, "node_id" varchar(255) not null, "name" varchar(255) not null, "type" varchar(255) not null, "status" text not null, "attempt" int not null default 0, "input" jsonb null, "output" jsonb null, "error" text null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "duration_ms" int null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "run_steps" add constraint "run_steps_run_id_node_id_unique" unique ("run_id", "node_id");`,
    );
    this.addSql(
      `alter table "run_steps" add constraint "run_steps_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'skipped', 'cancelled'));`,
    );
    this.addSql(
      `create table "usage_records" ("id" uuid not null, "workspace_id" uuid not null, "user_id" uuid null, "api_key_id" uuid null, "job_id" uuid not null, "step_seq" int not null, "model" varchar(255) not null, "tokens_in" int not null, "tokens_out" int not null, "cost_micros" bigint not null default '0', "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "usage_records_workspace_id_created_at_index" on "usage_records" ("workspace_id", "created_at");`,
    );
    this.addSql(
      `create index "usage_records_user_id_created_at_index" on "usage_records" ("user_id", "created_at");`,
    );
    this.addSql(
      `alter table "usage_records" add constraint "usage_records_job_id_step_seq_unique" unique ("job_id", "step_seq");`,
    );
    this.addSql(
      `create table "users" ("id" uuid not null, "workspace_id" uuid not null, "email" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "users" add constraint "users_workspace_id_email_unique" unique ("workspace_id", "email");`,
    );
    this.addSql(
      `create table "workflow_definitions" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(255) not null, "description" text not null default '', "status" text not null default 'draft', "version" int not null default 1, "graph" jsonb not null, "input_schema" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_run_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "workflow_definitions" add constraint "workflow_definitions_workspace_id_name_unique" unique ("workspace_id", "name");`,
    );
    this.addSql(
      `alter table "workflow_definitions" add constraint "workflow_definitions_status_check" check ("status" in ('draft', 'active', 'paused', 'archived'));`,
    );
    this.addSql(
      `create table "workflow_runs" ("id" uuid not null, "workspace_id" uuid not null, "workflow_id" uuid not null, "workflow_version" int not null, "status" text not null default 'pending', "input_data" jsonb null, "output_data" jsonb null, "error_message" text null, "trigger" jsonb not null, "idempotency_key" varchar(255) null, "idempotency_hash" varchar(255) null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "workflow_runs_workspace_id_created_at_index" on "workflow_runs" ("workspace_id", "created_at");`,
    );
    this.addSql(
      `create index "workflow_runs_workflow_id_created_at_index" on "workflow_runs" ("workflow_id", "created_at");`,
    );
    this.addSql(
      `alter table "workflow_runs" add constraint "workflow_runs_workspace_id_idempotency_key_unique" unique ("workspace_id", "idempotency_key");`,
    );
    this.addSql(
      `alter table "workflow_runs" add constraint "workflow_runs_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'cancelled'));`,
    );
    this.addSql(
      `create table "workflow_versions" ("id" uuid not null, "workflow_id" uuid not null, "version" int not null, "graph" jsonb not null, "input_schema" jsonb null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "workflow_versions" add constraint "workflow_versions_workflow_id_version_unique" unique ("workflow_id", "version");`,
    );
    this.addSql(
      `create table "workspaces" ("id" uuid not null, "name" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "workspaces" add constraint "workspaces_name_unique" unique ("name");`);
  }
}
