import { Routine } from '@mikro-orm/core';

/**
 * `dagen_run_slot_free(workspace, max_active)`: whether the workspace has fewer than `max_active`
 * runs `pending` or `running`, asked by a run insert in its own statement
 * (domain/runs/active-run-limit.ts). It first serializes the inserts of one workspace on a
 * transaction advisory lock, held until the insert commits. A SQL function is VOLATILE unless
 * declared otherwise, so its count takes a snapshot of its own, after the lock is held: it sees
 * every run a concurrent insert committed before releasing the lock, and no two inserts can both
 * take the last slot. The count stops at `max_active` rows: at most one index range of that size.
 */
export const RunSlotFree = new Routine({
  name: 'dagen_run_slot_free',
  type: 'function',
  language: 'sql',
  params: {
    workspace: { type: 'uuid', runtimeType: 'string' },
    max_active: { type: 'integer', runtimeType: 'number' },
  },
  returns: { runtimeType: 'boolean', columnType: 'boolean' },
  body: `select pg_advisory_xact_lock(hashtextextended('dagen-runs:' || workspace::text, 0));
select count(*) < max_active
  from (select 1 from workflow_runs
         where workspace_id = workspace and status in ('pending', 'running')
         limit max_active) live;`,
});

export const ALL_ROUTINES = [RunSlotFree];
