import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn, updatedAtColumn } from './common.ts';

/** A multi-turn conversation with one agent; callers continue it with `session_id`. */
export const ChatSession = defineEntity({
  name: 'ChatSession',
  tableName: 'chat_sessions',
  indexes: [{ properties: ['workspaceId'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    agentId: p.string(),
    ownerId: p.uuid().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
