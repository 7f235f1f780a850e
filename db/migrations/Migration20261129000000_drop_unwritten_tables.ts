import { Migration } from '@mikro-orm/migrations';

/**
 * Drops the agent-runtime tables the initial schema created before anything wrote them (jobs, their
 * steps, chat sessions and messages, usage records). The agent runtime designs its own, with the
 * fields it needs (agent versions, tokens, providers, run-billed usage). Empty on every install.
 */
export class Migration20261129000000_drop_unwritten_tables extends Migration {
  override up(): void {
    for (const table of ['usage_records', 'chat_messages', 'chat_sessions', 'job_steps', 'jobs']) {
      this.addSql(`drop table if exists "${table}";`);
    }
  }
}
