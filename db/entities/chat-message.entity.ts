import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** One message of a session's history: the user's text or the agent's final answer of a turn. */
export const ChatMessage = defineEntity({
  name: 'ChatMessage',
  tableName: 'chat_messages',
  uniques: [{ properties: ['sessionId', 'seq'] }],
  properties: {
    id: idColumn(),
    sessionId: p.uuid(),
    /** Position in the session, from 1; the unique index makes two turns of one session serialise. */
    seq: p.integer(),
    jobId: p.uuid().nullable(),
    role: p.enum(['user', 'assistant'] as const).$type<'user' | 'assistant'>(),
    content: p.text(),
    createdAt: createdAtColumn(),
  },
});
