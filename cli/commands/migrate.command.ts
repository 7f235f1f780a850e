import { migrate, openOrm } from '../../db/orm.ts';
import { resolveDatabaseUrl } from '../../infra/data-dir.ts';
import type { Command } from '../command.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  async run({ config }) {
    const orm = await openOrm(resolveDatabaseUrl(config));
    try {
      return { applied: await migrate(orm) };
    } finally {
      await orm.close();
    }
  },
  render: (r) => {
    const applied = (r as { applied: string[] }).applied;
    return applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date';
  },
};
