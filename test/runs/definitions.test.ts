import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { AppError } from '../../core/errors.ts';
import { WorkflowDefinition, WorkflowVersion, Workspace } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant } from '../helpers/tenant.ts';
import { DOUBLE } from './run-fixtures.ts';

const exec = promisify(execFile);

describe('workflow definitions: apply by name with versions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  const em = () => h.services.orm.em.fork();

  it('creates a draft at version 1, then bumps the version on every save and keeps old versions', async () => {
    const t = await createTenant(h);
    const first = await applyDefinition(em(), t.workspaceId, { name: 'pipeline', ...DOUBLE });
    expect(first).toMatchObject({ version: 1, created: true });
    expect((await em().findOneOrFail(WorkflowDefinition, first.id)).status).toBe('draft');
    const changed = {
      name: 'pipeline',
      status: 'active',
      description: 'v2',
      nodes: [{ id: 'x', type: 'transform', with: { expression: '1' } }],
    };
    const second = await applyDefinition(em(), t.workspaceId, changed);
    const third = await applyDefinition(em(), t.workspaceId, changed);
    expect(second).toMatchObject({ id: first.id, version: 2, created: false });
    expect(third.version).toBe(3);

    const def = await em().findOneOrFail(WorkflowDefinition, first.id);
    expect(def).toMatchObject({ status: 'active', description: 'v2', version: 3 });
    const versions = await em().find(
      WorkflowVersion,
      { workflowId: first.id },
      { orderBy: { version: 'asc' } },
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect((versions[0]!.graph as { nodes: { id: string }[] }).nodes[0]!.id).toBe('double');
    expect((versions[1]!.graph as { nodes: { id: string }[] }).nodes[0]!.id).toBe('x');

    // An update without status keeps the current one.
    await applyDefinition(em(), t.workspaceId, { name: 'pipeline', ...DOUBLE });
    expect((await em().findOneOrFail(WorkflowDefinition, first.id)).status).toBe('active');
  });

  it('gives concurrent saves of one workflow distinct versions', async () => {
    const t = await createTenant(h);
    const saves = await Promise.all(
      Array.from({ length: 5 }, () => applyDefinition(em(), t.workspaceId, { name: 'race', ...DOUBLE })),
    );
    expect(new Set(saves.map((s) => s.id)).size).toBe(1);
    expect(saves.map((s) => s.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports every problem of an invalid document together and saves nothing', async () => {
    const t = await createTenant(h);
    const bad = {
      name: '',
      status: 'live',
      input_schema: { type: 'nonsense' },
      nodes: [
        { id: 'a', type: 'teleport' },
        { id: 'b', type: 'transform', needs: ['ghost'], with: { expression: 'x' } },
      ],
    };
    const err = await applyDefinition(em(), t.workspaceId, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    const message = (err as AppError).message;
    expect(message).toMatch(/name must be/);
    expect(message).toMatch(/status must be one of/);
    expect(message).toMatch(/input_schema is not a valid JSON Schema/);
    expect(message).toMatch(/node a:/);
    expect(message).toMatch(/node b: needs unknown node "ghost"/);
    expect(await em().count(WorkflowDefinition, { workspaceId: t.workspaceId })).toBe(0);
  });

  it('CLI: workflows apply and list by workspace name, with --json', async () => {
    const t = await createTenant(h);
    const ws = await em().findOneOrFail(Workspace, t.workspaceId);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dagen-wf-'));
    const file = path.join(dir, 'wf.json');
    writeFileSync(file, JSON.stringify({ name: 'from-cli', status: 'active', ...DOUBLE }));
    const cli = (...args: string[]) =>
      exec(process.execPath, ['bin/dagen.js', ...args], {
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });

    const applied = JSON.parse(
      (await cli('workflows', 'apply', '--workspace', ws.name, '--file', file, '--json')).stdout,
    ) as { id: string; version: number };
    expect(applied).toEqual({ id: expect.any(String), version: 1 });
    const again = JSON.parse(
      (await cli('workflows', 'apply', '--workspace', t.workspaceId, '--file', file, '--json')).stdout,
    ) as { id: string; version: number };
    expect(again).toEqual({ id: applied.id, version: 2 });

    const listed = JSON.parse((await cli('workflows', 'list', '--workspace', ws.name, '--json')).stdout) as {
      workflows: { id: string; name: string; version: number; status: string }[];
    };
    expect(listed.workflows).toEqual([
      expect.objectContaining({ id: applied.id, name: 'from-cli', version: 2, status: 'active' }),
    ]);

    writeFileSync(file, JSON.stringify({ name: 'broken', nodes: [{ id: 'a', type: 'nope' }] }));
    const failed = await cli('workflows', 'apply', '--workspace', ws.name, '--file', file, '--json').catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect(JSON.parse((failed as { stdout: string }).stdout).error).toMatch(/node a:/);
  });
});
