import { MikroORM, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities/index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { ALL_ROUTINES } from './routines.ts';

export type { MikroORM };
export type { EntityManager } from '@mikro-orm/postgresql';

/**
 * The longest a new connection may take before it counts as the database being unreachable: a
 * server that accepts but never answers (frozen, or behind a dropped route) would otherwise hold a
 * caller until the OS gives up, minutes later.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The ORM options for one database URL; migrations are listed in code, never discovered by glob. */
function ormOptions(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: ALL_ENTITIES,
    routines: ALL_ROUTINES,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'dagen_migrations',
      transactional: true,
      allOrNothing: true,
      silent: true,
      snapshot: false,
    },
    pool: { min: 0, max: 10 },
    driverOptions: { connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    debug: false,
    allowGlobalContext: false,
    ...overrides,
  };
}

export async function openOrm(databaseUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, overrides));
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
