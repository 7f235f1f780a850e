import { defineEntity, p } from '@mikro-orm/core';
import { PUSH_PROTOCOL_VERSIONS } from '../../core/tasks/push-contract.ts';
import { createdAtColumn } from './common.ts';

/** Where a task's state changes are POSTed (an A2A push notification config). */
export const TaskPushConfig = defineEntity({
  name: 'TaskPushConfig',
  tableName: 'task_push_configs',
  indexes: [{ properties: ['workspaceId', 'taskId'] }],
  properties: {
    /** The job or run id. */
    taskId: p.uuid().primary(),
    /** The client's config id, or one we made; unique within the task. */
    id: p.string().primary(),
    workspaceId: p.uuid(),
    url: p.text(),
    /** Sent back in the notification's token header; never logged. */
    token: p.text().nullable(),
    /** The A2A authentication info (scheme and credentials) to send with each notification. */
    authentication: p.json<{ scheme: string; credentials?: string }>().nullable(),
    /** The A2A version of the client that made the config: notifications use that version's format. */
    protocolVersion: p.enum(PUSH_PROTOCOL_VERSIONS).default('1.0'),
    createdAt: createdAtColumn(),
  },
});
