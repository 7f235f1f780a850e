import { StreamResponse, taskStateToJSON } from '@a2a-js/sdk';
import { V1PushNotificationSerializer } from '@a2a-js/sdk/server';
import type { PushNotice } from '../../core/tasks/push-contract.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { PushAuthentication } from './push-configs.ts';
import { contextIdOf, taskStateOf } from './task-state.ts';

/** The header the A2A SDK's own sender puts a config's token in. */
export const PUSH_TOKEN_HEADER = 'X-A2A-Notification-Token';

/** One notification ready to POST; its headers carry the config's secrets. */
export interface PushRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface TargetRow {
  url: string;
  token: string | null;
  authentication: PushAuthentication | null;
  sessionId: string | null;
  sessionContextId: string | null;
  a2aContextId: string | null;
}

/** What each kind of task reads for its context id (see contextIdOf), beside the config. */
const CONTEXT_OF = {
  job: {
    columns: `t.session_id as "sessionId", s.context_id as "sessionContextId"`,
    joins: `left join jobs t on t.id = c.task_id left join chat_sessions s on s.id = t.session_id`,
  },
  run: {
    columns: `null as "sessionId", null as "sessionContextId"`,
    joins: `left join workflow_runs t on t.id = c.task_id`,
  },
} as const;

/**
 * The POST for `notice`, as the A2A SDK's own sender makes it: the status update as a 1.0
 * StreamResponse (`{"statusUpdate": {...}}`, `application/a2a+json`), the token in its header and the
 * authentication as `Authorization: <scheme> <credentials>`. Undefined when the config is gone.
 * `messageId` names the status message (the same on every attempt).
 */
export async function pushRequest(
  em: EntityManager,
  notice: PushNotice,
  messageId: string,
): Promise<PushRequest | undefined> {
  const context = CONTEXT_OF[notice.taskKind];
  const [row] = await em.getConnection().execute<TargetRow[]>(
    `select c.url, c.token, c.authentication, ${context.columns}, t.a2a->>'context_id' as "a2aContextId"
       from task_push_configs c ${context.joins}
      where c.task_id = ? and c.id = ?`,
    [notice.taskId, notice.configId],
  );
  if (!row) return undefined;
  const contextId = contextIdOf({ id: notice.taskId, ...row });
  const event = {
    taskId: notice.taskId,
    contextId,
    status: {
      state: taskStateToJSON(taskStateOf(notice.status)),
      timestamp: notice.timestamp,
      ...(notice.message === undefined
        ? {}
        : {
            message: {
              messageId,
              contextId,
              taskId: notice.taskId,
              role: 'ROLE_AGENT',
              parts: [{ text: notice.message }],
            },
          }),
    },
  };
  const serialized = new V1PushNotificationSerializer().serialize(
    StreamResponse.fromJSON({ statusUpdate: event }),
  );
  return {
    url: row.url,
    headers: { 'content-type': serialized.contentType, ...authHeaders(row) },
    body: serialized.body,
  };
}

function authHeaders({ token, authentication }: Pick<TargetRow, 'token' | 'authentication'>) {
  return {
    ...(token ? { [PUSH_TOKEN_HEADER]: token } : {}),
    ...(authentication?.credentials
      ? { authorization: `${authentication.scheme} ${authentication.credentials}` }
      : {}),
  };
}
