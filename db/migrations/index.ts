import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128000000_initial } from './Migration20261128000000_initial.ts';
import { Migration20261129000000_drop_unwritten_tables } from './Migration20261129000000_drop_unwritten_tables.ts';
import { Migration20261129100000_active_run_limit } from './Migration20261129100000_active_run_limit.ts';
import { Migration20261129170000_workspace_secrets } from './Migration20261129170000_workspace_secrets.ts';
import { Migration20261129180000_notify_run_ended } from './Migration20261129180000_notify_run_ended.ts';
import { Migration20261129190000_agent_runtime } from './Migration20261129190000_agent_runtime.ts';
import { Migration20261129230000_a2a_tasks } from './Migration20261129230000_a2a_tasks.ts';

/** Every migration in order; add new ones at the end and never edit an applied one. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
  {
    name: 'Migration20261129000000_drop_unwritten_tables',
    class: Migration20261129000000_drop_unwritten_tables,
  },
  { name: 'Migration20261129100000_active_run_limit', class: Migration20261129100000_active_run_limit },
  { name: 'Migration20261129170000_workspace_secrets', class: Migration20261129170000_workspace_secrets },
  { name: 'Migration20261129180000_notify_run_ended', class: Migration20261129180000_notify_run_ended },
  { name: 'Migration20261129190000_agent_runtime', class: Migration20261129190000_agent_runtime },
  { name: 'Migration20261129230000_a2a_tasks', class: Migration20261129230000_a2a_tasks },
];
