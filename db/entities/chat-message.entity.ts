import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** One message of a chat session, ordered by `seq`. */
export const ChatMessage = defineEntity({
  name: 'ChatMessage',
  tableName: 'chat_messages',
  uniques: [{ properties: ['sessionId', 'seq'] }],
  properties: {
    id: idColumn(),
    sessionId: p.uuid(),
    seq: p.integer(),
    role: p.string(),
    content: p.text(),
    createdAt: createdAtColumn(),
  },
});
