import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** A tenant: every other record belongs to exactly one workspace. */
export const Workspace = defineEntity({
  name: 'Workspace',
  tableName: 'workspaces',
  properties: {
    id: idColumn(),
    name: p.string().unique(),
    createdAt: createdAtColumn(),
  },
});
