import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from './common.ts';

/** A conversation with one agent in one workspace; `session_id` on the API. */
export const ChatSession = defineEntity({
  name: 'ChatSession',
  tableName: 'chat_sessions',
  indexes: [{ properties: ['workspaceId', 'agentId'] }],
  uniques: [{ properties: ['workspaceId', 'agentId', 'contextId'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    /** A builtin id (`builtin:…`) or a custom agent's uuid. */
    agentId: p.string(),
    /** The A2A `contextId` a client named this conversation by; null: its id is the context id. */
    contextId: p.string().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
