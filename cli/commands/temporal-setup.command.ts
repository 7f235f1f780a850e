import { connectTemporal } from '../../infra/temporal.ts';
import { ALL_SEARCH_ATTRIBUTES } from '../../core/search-attributes.ts';
import { ensureReconcilerSchedule } from '../../infra/reconciler-schedule.ts';
import { registerSearchAttributes } from '../../infra/search-attributes-setup.ts';
import { RECONCILER_SCHEDULE_ID } from '../../core/engine/reconcile-contract.ts';
import type { Command } from '../command.ts';

export const temporalSetupCommand: Command = {
  name: 'temporal setup',
  summary:
    "Register dagen's search attributes and its reconciler schedule on a Temporal cluster (TEMPORAL_ADDRESS)",
  async run({ config }) {
    const { connection, client } = await connectTemporal(
      config.temporal.address ?? '127.0.0.1:7233',
      config.temporal.namespace,
    );
    try {
      const added = await registerSearchAttributes(connection, config.temporal.namespace);
      await ensureReconcilerSchedule(client, config.temporal.taskQueue);
      return {
        namespace: config.temporal.namespace,
        added,
        present: ALL_SEARCH_ATTRIBUTES.map((k) => k.name),
        schedule: RECONCILER_SCHEDULE_ID,
      };
    } finally {
      await connection.close();
    }
  },
};
