import { StreamResponse, taskStateToJSON } from '@a2a-js/sdk';
import { V03PushNotificationSerializer } from '@a2a-js/sdk/compat/v0_3/server';
import { V1PushNotificationSerializer, type PushNotificationSerializer } from '@a2a-js/sdk/server';
import type { PushNotice, PushProtocolVersion } from '../../core/tasks/push-contract.ts';
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
  protocolVersion: PushProtocolVersion;
  sessionId: string | null;
  sessionContextId: string | null;
  a2aContextId: string | null;
}

/** Each client's format: 1.0 a `StreamResponse`, 0.3 the bare event (with `kind`, lower-case states). */
const SERIALIZERS: Record<PushProtocolVersion, PushNotificationSerializer> = {
  '1.0': new V1PushNotificationSerializer(),
  '0.3': new V03PushNotificationSerializer(),
};

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
 * The POST for `notice`, as the A2A SDK's own sender makes it: the status update in the format of the
 * config's client (1.0: a StreamResponse `{"statusUpdate": {...}}`, `application/a2a+json`; 0.3: the
 * bare status-update event), the token in its header and the authentication as
 * `Authorization: <scheme> <credentials>`. Undefined when the config is gone.
 * `messageId` names the status message (the same on every attempt).
 */
export async function pushRequest(
  em: EntityManager,
  notice: PushNotice,
  messageId: string,
): Promise<PushRequest | undefined> {
  const context = CONTEXT_OF[notice.taskKind];
  const [row] = await em.getConnection().execute<TargetRow[]>(
    `select c.url, c.token, c.authentication, c.protocol_version as "protocolVersion", ${context.columns}, t.a2a->>'context_id' as "a2aContextId"
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
  const serialized = SERIALIZERS[row.protocolVersion].serialize(
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
