import { Migration } from '@mikro-orm/migrations';

/**
 * The agent runtime: custom agents' versions, chat sessions and their messages, jobs and job steps,
 * the usage ledger (one row per billed model call) and keys' monthly budgets.
 */
export class Migration20261129190000_agent_runtime extends Migration {
  override up(): void {
    this.addSql(
      `create table "agent_versions" ("id" uuid not null, "agent_id" uuid not null, "workspace_id" uuid not null, "version" int not null, "spec" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "agent_versions" add constraint "agent_versions_agent_id_version_unique" unique ("agent_id", "version");`,
    );
    this.addSql(
      `create table "chat_messages" ("id" uuid not null, "session_id" uuid not null, "seq" int not null, "job_id" uuid null, "role" text not null, "content" text not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "chat_messages" add constraint "chat_messages_session_id_seq_unique" unique ("session_id", "seq");`,
    );
    this.addSql(
      `create table "chat_sessions" ("id" uuid not null, "workspace_id" uuid not null, "agent_id" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "chat_sessions_workspace_id_agent_id_index" on "chat_sessions" ("workspace_id", "agent_id");`,
    );
    this.addSql(
      `create table "jobs" ("id" uuid not null, "workspace_id" uuid not null, "agent_id" varchar(255) not null, "agent_version" int null, "session_id" uuid null, "source" varchar(255) not null, "api_key_id" uuid null, "owner_id" uuid not null, "run_id" uuid null, "node_id" varchar(255) null, "model" varchar(255) not null, "status" text not null default 'pending', "message" text not null, "context" jsonb null, "tools" jsonb null, "final_message" text null, "error_message" text null, "idempotency_key" varchar(255) null, "idempotency_hash" varchar(255) null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "duration_ms" int null, primary key ("id"));`,
    );
    this.addSql(
      `create index "jobs_workspace_id_created_at_index" on "jobs" ("workspace_id", "created_at");`,
    );
    this.addSql(`create index "jobs_session_id_created_at_index" on "jobs" ("session_id", "created_at");`);
    this.addSql(`create index "jobs_run_id_index" on "jobs" ("run_id");`);
    this.addSql(
      `alter table "jobs" add constraint "jobs_workspace_id_idempotency_key_unique" unique ("workspace_id", "idempotency_key");`,
    );
    this.addSql(
      `create table "job_steps" ("id" uuid not null, "status" text not null, "input" jsonb null, "output" jsonb null, "error" text null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "duration_ms" int null, "job_id" uuid not null, "seq" int not null, "kind" text not null, "name" varchar(255) not null, "tool_call_id" varchar(255) null, "input_tokens" int null, "output_tokens" int null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "job_steps" add constraint "job_steps_job_id_seq_unique" unique ("job_id", "seq");`,
    );
    this.addSql(
      `create table "usage_records" ("id" uuid not null, "charge_key" varchar(255) not null, "workspace_id" uuid not null, "owner_id" uuid not null, "api_key_id" uuid null, "job_id" uuid null, "run_id" uuid null, "agent_id" varchar(255) null, "provider" varchar(255) not null, "model" varchar(255) not null, "input_tokens" int null, "output_tokens" int null, "cost_micros" bigint null, "priced" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "usage_records" add constraint "usage_records_charge_key_unique" unique ("charge_key");`,
    );
    this.addSql(
      `create index "usage_records_workspace_id_created_at_index" on "usage_records" ("workspace_id", "created_at");`,
    );
    this.addSql(
      `create index "usage_records_api_key_id_created_at_index" on "usage_records" ("api_key_id", "created_at");`,
    );
    this.addSql(`alter table "agents" add "current_version" int not null default 1;`);
    this.addSql(`alter table "api_keys" add "monthly_budget_micros" bigint null;`);
    this.addSql(
      `alter table "chat_messages" add constraint "chat_messages_role_check" check ("role" in ('user', 'assistant'));`,
    );
    this.addSql(
      `alter table "jobs" add constraint "jobs_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'cancelled'));`,
    );
    this.addSql(
      `alter table "job_steps" add constraint "job_steps_status_check" check ("status" in ('pending', 'running', 'success', 'failed', 'skipped', 'cancelled'));`,
    );
    this.addSql(
      `alter table "job_steps" add constraint "job_steps_kind_check" check ("kind" in ('model', 'tool'));`,
    );
  }
}
