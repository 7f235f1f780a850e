import { Context } from '@temporalio/activity';
import type { ReconcileActivities } from '../core/engine/reconcile-contract.ts';
import type { MikroORM } from '../db/orm.ts';
import { reconcileRuns } from '../domain/runs/run-reconciler.ts';
import type { Logger } from '../infra/logger.ts';

export interface ReconcileDeps {
  orm: MikroORM;
  log: Logger;
}

/** The reconciler's one activity: a pass over stuck runs, through the worker's own Temporal client. */
export function createReconcileActivities({ orm, log }: ReconcileDeps) {
  return {
    async reconcileStuckRuns() {
      const result = await reconcileRuns(orm, Context.current().client, { log });
      if (result.failed + result.cancelled > 0) log.warn(result, 'reconciler finished stuck runs');
      return result;
    },
  } satisfies ReconcileActivities;
}
