// Push notification configs: saved, replaced by id, listed, deleted (idempotently), invisible to another
// workspace; a 0.3 client's config without an id is "default" and remembers the client's version.
import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../core/errors.ts';
import { TaskPushConfigs } from '../../domain/tasks/push-configs.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import { createWorkspace, insertRun, saveWorkflow, useEngineHarness } from '../engine/dag-fixtures.ts';

describe('TaskPushConfigs', () => {
  const env = useEngineHarness({ worker: false });
  const store = () => new TaskPushConfigs(env.h.services.orm.em.fork());

  it('creates with a made-up id, replaces by id, lists, gets and deletes', async () => {
    const taskId = randomUUID();
    const made = await store().create(env.workspaceId, taskId, { url: 'https://example.test/hook' });
    expect(made.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.token).toBeNull();
    expect(made.protocolVersion).toBe('1.0');
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

  it('names a 0.3 client\'s config without an id "default", one per task, and keeps its version', async () => {
    const taskId = randomUUID();
    const url = 'https://example.test/v03';
    const set = await store().create(env.workspaceId, taskId, { url, protocolVersion: '0.3' });
    expect(set).toMatchObject({ id: 'default', protocolVersion: '0.3' });
    expect(await store().get(env.workspaceId, taskId, 'default')).toMatchObject({
      url,
      protocolVersion: '0.3',
    });
    // Set again: the task still has one default config, the newer one.
    await store().create(env.workspaceId, taskId, { url: `${url}/2`, protocolVersion: '0.3' });
    expect(await store().list(env.workspaceId, taskId)).toEqual([
      expect.objectContaining({ id: 'default', url: `${url}/2` }),
    ]);
    // A 0.3 client's own id is kept.
    const named = await store().create(env.workspaceId, taskId, { id: 'n', url, protocolVersion: '0.3' });
    expect(named.id).toBe('n');
    expect(await store().delete(env.workspaceId, taskId, 'default')).toBe(true);
    expect(await store().get(env.workspaceId, taskId, 'default')).toBeUndefined();
  });

  it('adds a config to a completed run', async () => {
    const saved = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'one', type: 'transform', with: { expression: '1' } }],
    });
    const runId = await insertRun(env.h, saved);
    await env.h.services.orm.em.fork().nativeUpdate(WorkflowRun, { id: runId }, { status: 'success' });
    await store().create(env.workspaceId, runId, { id: 'late', url: 'https://example.test/hook' });
    expect(await store().get(env.workspaceId, runId, 'late')).toMatchObject({ taskId: runId });
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
