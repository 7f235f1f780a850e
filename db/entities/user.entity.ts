import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** A person in a workspace; owns API keys and is charged for their usage. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  uniques: [{ properties: ['workspaceId', 'email'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    email: p.string(),
    createdAt: createdAtColumn(),
  },
});
