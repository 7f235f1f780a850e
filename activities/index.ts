import type { MikroORM } from '../db/orm.ts';
import type { Config } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';
import { createRunRecordActivities } from './run-record.activities.ts';

export interface ActivityDeps {
  orm: MikroORM;
  config: Config;
  log: Logger;
}

/** Every activity the worker registers, built from its dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRunRecordActivities(deps.orm),
  };
}
