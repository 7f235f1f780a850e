import { randomUUID } from 'node:crypto';
import type { InferEntity } from '@mikro-orm/core';
import { BadRequestError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { PushProtocolVersion } from '../../core/tasks/push-contract.ts';
import { TaskPushConfig } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';

/** How a notification authenticates to the receiver (A2A `AuthenticationInfo`). */
export interface PushAuthentication {
  readonly scheme: string;
  readonly credentials?: string;
}

/** Where a task's state changes are POSTed; `token` and credentials are secrets (never logged). */
export interface PushConfig {
  readonly id: string;
  readonly taskId: string;
  readonly url: string;
  readonly token: string | null;
  readonly authentication: PushAuthentication | null;
  /** The A2A version of the client that made the config, whose format its notifications take. */
  readonly protocolVersion: PushProtocolVersion;
  readonly createdAt: Date;
}

export interface PushConfigInput {
  readonly id?: string;
  readonly url: string;
  readonly token?: string | null;
  readonly authentication?: PushAuthentication | null;
  /** The requesting client's A2A version (default 1.0). */
  readonly protocolVersion?: PushProtocolVersion;
}

/**
 * The id a 0.3 client's config gets when it names none: a 0.3 client later asks for it by this id
 * (a task has one such config; setting another replaces it).
 */
export const V03_DEFAULT_CONFIG_ID = 'default';

type Row = InferEntity<typeof TaskPushConfig>;

/** The column's width: a longer client id could not be stored. */
const MAX_ID_LENGTH = 255;

/**
 * A task's push notification configs, scoped by workspace: another workspace's task or config reads
 * as absent. Whether the task exists is the caller's to check (a config needs a live task id).
 */
export class TaskPushConfigs {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /**
   * Saves the config; a config with the same id is replaced. Without an id, a 0.3 client's config is
   * "default" and a 1.0 client's gets a made-up one. Whether the task is finished does not matter.
   */
  async create(workspaceId: string, taskId: string, cfg: PushConfigInput): Promise<PushConfig> {
    const protocolVersion = cfg.protocolVersion ?? '1.0';
    const id = cfg.id || (protocolVersion === '0.3' ? V03_DEFAULT_CONFIG_ID : randomUUID());
    if (id.length > MAX_ID_LENGTH) {
      throw new BadRequestError(`push notification config id is longer than ${MAX_ID_LENGTH} characters`);
    }
    if (!isUuid(taskId)) throw new BadRequestError(`task id "${taskId}" is not a task of this workspace`);
    const url = pushUrl(cfg.url);
    if (cfg.authentication && !cfg.authentication.scheme) {
      throw new BadRequestError('push notification authentication needs a scheme');
    }
    const row = await this.#em.upsert(
      TaskPushConfig,
      {
        taskId,
        id,
        workspaceId,
        url,
        token: cfg.token || null,
        authentication: cfg.authentication ?? null,
        protocolVersion,
        createdAt: new Date(),
      },
      { onConflictFields: ['taskId', 'id'], onConflictAction: 'merge' },
    );
    return view(row);
  }

  async get(workspaceId: string, taskId: string, id: string): Promise<PushConfig | undefined> {
    if (!isUuid(taskId)) return undefined;
    const row = await this.#em.findOne(TaskPushConfig, { workspaceId, taskId, id }, { refresh: true });
    return row ? view(row) : undefined;
  }

  /** The task's configs, oldest first. */
  async list(workspaceId: string, taskId: string): Promise<PushConfig[]> {
    if (!isUuid(taskId)) return [];
    const rows = await this.#em.find(
      TaskPushConfig,
      { workspaceId, taskId },
      { orderBy: { createdAt: 'asc', id: 'asc' }, refresh: true },
    );
    return rows.map(view);
  }

  /**
   * Deletes the config; false when there was none (or it is another workspace's). Not an error:
   * deleting is idempotent, an A2A delete of an absent config succeeds.
   */
  async delete(workspaceId: string, taskId: string, id: string): Promise<boolean> {
    if (!isUuid(taskId)) return false;
    return (await this.#em.nativeDelete(TaskPushConfig, { workspaceId, taskId, id })) > 0;
  }
}

/** The receiver's URL, when it is an absolute http(s) URL (the address guard judges its host on delivery). */
function pushUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestError(`push notification URL "${text}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadRequestError(`push notification URL must be http or https, not ${url.protocol}`);
  }
  return text;
}

function view(row: Row): PushConfig {
  return {
    id: row.id,
    taskId: row.taskId,
    url: row.url,
    token: row.token ?? null,
    authentication: row.authentication ?? null,
    protocolVersion: row.protocolVersion,
    createdAt: row.createdAt,
  };
}
