import { Migration } from '@mikro-orm/migrations';

/** Workspace secrets, encrypted at rest (AES-256-GCM); one per workspace and name. */
export class Migration20261129170000_workspace_secrets extends Migration {
  override up(): void {
    this.addSql(
      `create table "workspace_secrets" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(64) not null, "ciphertext" bytea not null, "iv" bytea not null, "auth_tag" bytea not null, "key_id" varchar(16) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "workspace_secrets" add constraint "workspace_secrets_workspace_id_name_unique" unique ("workspace_id", "name");`,
    );
  }
}
