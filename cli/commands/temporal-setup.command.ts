import { connectTemporal } from '../../infra/temporal.ts';
import { ALL_SEARCH_ATTRIBUTES } from '../../core/search-attributes.ts';
import { registerSearchAttributes } from '../../infra/search-attributes-setup.ts';
import type { Command } from '../command.ts';

export const temporalSetupCommand: Command = {
  name: 'temporal setup',
  summary: "Register dagen's search attributes on a Temporal cluster (TEMPORAL_ADDRESS)",
  async run({ config }) {
    const { connection } = await connectTemporal(
      config.temporal.address ?? '127.0.0.1:7233',
      config.temporal.namespace,
    );
    try {
      const added = await registerSearchAttributes(connection, config.temporal.namespace);
      return {
        namespace: config.temporal.namespace,
        added,
        present: ALL_SEARCH_ATTRIBUTES.map((k) => k.name),
      };
    } finally {
      await connection.close();
    }
  },
};
