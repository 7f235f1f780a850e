// Push notification configs: saved, replaced by id, listed, deleted, and invisible to another workspace.
import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../core/errors.ts';
import { TaskPushConfigs } from '../../domain/tasks/push-configs.ts';
import { createWorkspace, useEngineHarness } from '../engine/dag-fixtures.ts';

describe('TaskPushConfigs', () => {
  const env = useEngineHarness({ worker: false });
  const store = () => new TaskPushConfigs(env.h.services.orm.em.fork());

  it('creates with a made-up id, replaces by id, lists, gets and deletes', async () => {
    const taskId = randomUUID();
    const made = await store().create(env.workspaceId, taskId, { url: 'https://example.test/hook' });
    expect(made.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.token).toBeNull();
    await store().create(env.workspaceId, taskId, { id: 'mine', url: 'http://example.test/a', token: 't1' });
    const replaced = await store().create(env.workspaceId, taskId, {
      id: 'mine',
      url: 'http://example.test/b',
      token: 't2',
      authentication: { scheme: 'Bearer', credentials: 'c' },
    });
    expect(replaced).toMatchObject({ id: 'mine', url: 'http://example.test/b', token: 't2' });
    const listed = await store().list(env.workspaceId, taskId);
    expect(listed.map((c) => c.id).sort()).toEqual([made.id, 'mine'].sort());
    expect(await store().get(env.workspaceId, taskId, 'mine')).toMatchObject({
      url: 'http://example.test/b',
      authentication: { scheme: 'Bearer', credentials: 'c' },
    });
    expect(await store().delete(env.workspaceId, taskId, 'mine')).toBe(true);
    expect(await store().delete(env.workspaceId, taskId, 'mine')).toBe(false);
    expect(await store().get(env.workspaceId, taskId, 'mine')).toBeUndefined();
    expect(await store().list(env.workspaceId, taskId)).toHaveLength(1);
  });

  it("hides another workspace's configs", async () => {
    const taskId = randomUUID();
    const other = await createWorkspace(env.h);
    await store().create(env.workspaceId, taskId, { id: 'c', url: 'https://example.test/hook' });
    expect(await store().get(other, taskId, 'c')).toBeUndefined();
    expect(await store().list(other, taskId)).toEqual([]);
    expect(await store().delete(other, taskId, 'c')).toBe(false);
    expect(await store().get(env.workspaceId, taskId, 'c')).toBeDefined();
    expect(await store().get(env.workspaceId, 'not-a-uuid', 'c')).toBeUndefined();
  });

  it('refuses a URL that is not http or https', async () => {
    const taskId = randomUUID();
    await expect(store().create(env.workspaceId, taskId, { url: 'ftp://example.test/x' })).rejects.toThrow(
      new BadRequestError('push notification URL must be http or https, not ftp:'),
    );
    await expect(store().create(env.workspaceId, taskId, { url: 'nope' })).rejects.toThrow(
      /not an absolute URL/,
    );
  });
});
