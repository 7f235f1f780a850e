import { openOrm } from '../../db/orm.ts';

describe('schema', () => {
  it('matches the entities exactly after all migrations (no change without a migration)', async () => {
    const orm = await openOrm(process.env.DATABASE_URL!);
    try {
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close();
    }
  });
});
