import { BadRequestError, NotFoundError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { EntityManager } from '../../db/orm.ts';
import { User, Workspace } from '../../db/entities/index.ts';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface WorkspaceSummary {
  readonly id: string;
  readonly name: string;
  readonly created_at: string;
}

export interface UserSummary {
  readonly id: string;
  readonly workspace_id: string;
  readonly email: string;
  readonly created_at: string;
}

export async function createWorkspace(em: EntityManager, name: string): Promise<WorkspaceSummary> {
  const trimmed = name.trim();
  if (trimmed === '') throw new BadRequestError('workspace name must not be empty');
  // A name that looks like a uuid would make `--workspace` ambiguous.
  if (isUuid(trimmed)) throw new BadRequestError('workspace name must not be a uuid');
  if (await em.findOne(Workspace, { name: trimmed })) {
    throw new BadRequestError(`workspace '${trimmed}' already exists`);
  }
  const ws = em.create(Workspace, { name: trimmed });
  await em.flush();
  return { id: ws.id, name: ws.name, created_at: ws.createdAt.toISOString() };
}

/** A workspace by id or by name, as the CLI's `--workspace` accepts either. */
export async function findWorkspace(em: EntityManager, idOrName: string): Promise<WorkspaceSummary> {
  const ws = await em.findOne(Workspace, isUuid(idOrName) ? { id: idOrName } : { name: idOrName });
  if (!ws) throw new NotFoundError(`workspace '${idOrName}'`);
  return { id: ws.id, name: ws.name, created_at: ws.createdAt.toISOString() };
}

export async function createUser(
  em: EntityManager,
  workspaceId: string,
  email: string,
): Promise<UserSummary> {
  const normalized = email.trim().toLowerCase();
  if (!EMAIL.test(normalized)) throw new BadRequestError(`not an email address: '${email}'`);
  if (await em.findOne(User, { workspaceId, email: normalized })) {
    throw new BadRequestError(`user '${normalized}' already exists in this workspace`);
  }
  const user = em.create(User, { workspaceId, email: normalized });
  await em.flush();
  return toUser(user);
}

/** A user of the workspace by email (or id). */
export async function findUser(
  em: EntityManager,
  workspaceId: string,
  emailOrId: string,
): Promise<UserSummary> {
  const user = await em.findOne(
    User,
    isUuid(emailOrId)
      ? { workspaceId, id: emailOrId }
      : { workspaceId, email: emailOrId.trim().toLowerCase() },
  );
  if (!user) throw new NotFoundError(`user '${emailOrId}' in this workspace`);
  return toUser(user);
}

function toUser(user: { id: string; workspaceId: string; email: string; createdAt: Date }): UserSummary {
  return {
    id: user.id,
    workspace_id: user.workspaceId,
    email: user.email,
    created_at: user.createdAt.toISOString(),
  };
}
