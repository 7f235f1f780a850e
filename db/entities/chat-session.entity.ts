import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from './common.ts';

/** A conversation with one agent in one workspace; `session_id` on the API. */
export const ChatSession = defineEntity({
  name: 'ChatSession',
  tableName: 'chat_sessions',
  indexes: [{ properties: ['workspaceId', 'agentId'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    /** A builtin id (`builtin:…`) or a custom agent's uuid. */
    agentId: p.string(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
