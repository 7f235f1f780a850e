import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128000000_initial } from './Migration20261128000000_initial.ts';

/** Every migration in order; add new ones at the end and never edit an applied one. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
];
