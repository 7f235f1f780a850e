import { LIMITS, NODE_ID_PATTERN } from '../../core/dag/definition.ts';
import { validateGraph } from '../../core/dag/validate.ts';
import { NODE_TYPES } from '../../core/nodes/registry.ts';
import { AppError } from '../../core/errors.ts';
import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { RunStep } from '../../db/entities/index.ts';
import { as, saveWorkflow, useRunHarness } from '../runs/run-fixtures.ts';

/** Tables a saved definition writes, directly or when one of its runs creates its steps. */
const DEFINITION_TABLES = ['workflow_definitions', 'workflow_versions', 'run_steps'];

/**
 * The validation bound of every length-limited column those tables have. A new column missing here
 * fails the test below, so nobody adds a stored field without bounding it on save.
 */
const BOUNDS: Record<string, number> = {
  'workflow_definitions.name': LIMITS.maxWorkflowNameLength,
  'run_steps.node_id': LIMITS.maxNodeIdLength,
  'run_steps.name': Math.max(LIMITS.maxNodeNameLength, LIMITS.maxNodeIdLength),
  'run_steps.type': Math.max(...NODE_TYPES.map((t) => t.length)),
};

const node = (fields: Record<string, unknown>) => ({
  id: 'a',
  type: 'transform',
  with: { expression: '1' },
  ...fields,
});

describe('stored definition fields fit their columns', () => {
  const env = useRunHarness();

  it('bounds every length-limited column a definition reaches within the column', async () => {
    const columns = await env.h.services.orm.em
      .fork()
      .execute<{ table_name: string; column_name: string; character_maximum_length: number | null }[]>(
        `select table_name, column_name, character_maximum_length from information_schema.columns
       where table_schema = 'public' and table_name in (${DEFINITION_TABLES.map(() => '?').join(', ')})`,
        DEFINITION_TABLES,
      );
    expect(columns.length).toBeGreaterThan(10);
    const limited = columns.filter((c) => c.character_maximum_length !== null);
    for (const c of limited) {
      const key = `${c.table_name}.${c.column_name}`;
      expect({ key, bound: BOUNDS[key] ?? 'none' }).toEqual({ key, bound: expect.any(Number) });
      expect(BOUNDS[key]).toBeLessThanOrEqual(c.character_maximum_length!);
    }
    expect(limited.map((c) => `${c.table_name}.${c.column_name}`).sort()).toEqual(Object.keys(BOUNDS).sort());
  });

  it('enforces each bound on save: at the bound passes, one more fails', () => {
    const id = (n: number) => 'a'.repeat(n);
    expect(NODE_ID_PATTERN.test(id(LIMITS.maxNodeIdLength))).toBe(true);
    expect(NODE_ID_PATTERN.test(id(LIMITS.maxNodeIdLength + 1))).toBe(false);
    const named = (n: number) => validateGraph({ nodes: [node({ name: 'é'.repeat(n) })] }).ok;
    expect(named(LIMITS.maxNodeNameLength)).toBe(true);
    expect(named(LIMITS.maxNodeNameLength + 1)).toBe(false);
    // Postgres counts code points: 255 astral characters (510 UTF-16 units) still fit.
    expect(validateGraph({ nodes: [node({ name: '😀'.repeat(LIMITS.maxNodeNameLength) })] }).ok).toBe(true);
  });

  it('refuses a 256-character node name on save with a 400 naming the node', async () => {
    const err = await applyDefinition(env.h.services.orm.em.fork(), env.t.workspaceId, {
      name: 'long-node-name',
      nodes: [node({ id: 'long_one', name: 'n'.repeat(256) })],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).message).toMatch(/node long_one: "name" must be at most 255 characters/);
    expect((err as AppError).details.problems).toEqual([
      { node: 'long_one', message: '"name" must be at most 255 characters' },
    ]);
  });

  it('refuses a 256-character workflow name', async () => {
    const err = await applyDefinition(env.h.services.orm.em.fork(), env.t.workspaceId, {
      name: 'w'.repeat(256),
      nodes: [node({})],
    }).catch((e: unknown) => e);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).message).toMatch(/name must be a non-empty string of at most 255 characters/);
  });

  it('refuses strings Postgres cannot store (NUL, unpaired surrogates) with a 400 naming where', async () => {
    for (const bad of ['a\u0000b', 'x\uD800y']) {
      const err = await applyDefinition(env.h.services.orm.em.fork(), env.t.workspaceId, {
        name: 'unstorable',
        nodes: [node({ with: { expression: '1' }, name: bad })],
      }).catch((e: unknown) => e);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).message).toMatch(/"nodes\[0\]\.name" holds a character that cannot be stored/);
    }
  });

  it('refuses a definition nested deeper than the limit with a 400, however deep', async () => {
    for (const depth of [LIMITS.maxNestingDepth, 100_000]) {
      const deep = JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
      const err = await applyDefinition(env.h.services.orm.em.fork(), env.t.workspaceId, {
        name: 'deep',
        nodes: [{ id: 'a', type: 'http', with: { url: 'https://example.test', body: deep } }],
      }).catch((e: unknown) => e);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).message).toMatch(
        /"nodes\[0\]\.with\.body(\[0\])*" nests deeper than 64 levels/,
      );
    }
    const fits = JSON.parse('['.repeat(LIMITS.maxNestingDepth - 4) + ']'.repeat(LIMITS.maxNestingDepth - 4));
    expect(
      validateGraph({ nodes: [{ id: 'a', type: 'http', with: { url: 'https://x.test', body: fits } }] }).ok,
    ).toBe(true);
  });

  it('runs a workflow whose node name is the longest allowed (255) to success', async () => {
    const name = 'n'.repeat(LIMITS.maxNodeNameLength);
    const wf = await saveWorkflow(env.h, env.t, { nodes: [node({ id: 'longest', name })] as never });
    const res = await as(env.h, env.t).run(wf.id, { wait: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', steps: [{ node_id: 'longest', name }] });
    const step = await env.h.services.orm.em.fork().findOneOrFail(RunStep, { runId: res.body.id });
    expect(step.name).toBe(name);
  });

  it('refuses run input Postgres cannot store with a 400, not a failed insert', async () => {
    const wf = await saveWorkflow(env.h, env.t, { nodes: [node({})] as never });
    for (const bad of ['a\u0000', 'a\uDC00']) {
      const res = await as(env.h, env.t).run(wf.id, { input_data: { n: [bad] } });
      expect([res.status, res.body]).toEqual([
        400,
        {
          error:
            'Invalid request body: input_data: "n[0]" holds a character that cannot be stored (NUL or an unpaired surrogate)',
        },
      ]);
    }
    // Sent as text: a JSON client library cannot serialize this depth, a hostile caller can.
    const deep = `{"input_data":{"n":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const tooDeep = await env.h.http
      .post(`/api/v1/workflow/${wf.id}/run`)
      .set('x-api-key', env.t.key)
      .set('content-type', 'application/json')
      .send(deep);
    expect(tooDeep.status).toBe(400);
    // The body parser refuses it before anything parses it (http/middleware/json-body.ts).
    expect(tooDeep.body.error).toBe('JSON body nests arrays and objects deeper than 64 levels');
    // A surrogate pair (an emoji) is fine.
    expect((await as(env.h, env.t).run(wf.id, { input_data: { n: '😀' } })).status).toBe(202);
  });
});
