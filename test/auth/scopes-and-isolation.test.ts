import { randomUUID } from 'node:crypto';
import type { Scope } from '../../domain/keys/api-keys.service.ts';
import { Agent, WorkflowDefinition, WorkflowRun } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

interface Endpoint {
  readonly label: string;
  readonly method: 'get' | 'post';
  readonly path: (ids: { workflowId: string; runId: string }) => string;
  readonly scope: Scope;
}

/** Every External API route behind the gate, with the scope it needs. */
const ENDPOINTS: Endpoint[] = [
  { label: 'GET /agents', method: 'get', path: () => '/api/v1/agents', scope: 'agents' },
  { label: 'GET /workflows', method: 'get', path: () => '/api/v1/workflows', scope: 'workflows' },
  {
    label: 'POST /workflow/:id/run',
    method: 'post',
    path: (i) => `/api/v1/workflow/${i.workflowId}/run`,
    scope: 'workflows',
  },
  { label: 'GET /workflow/runs', method: 'get', path: () => '/api/v1/workflow/runs', scope: 'workflows' },
  {
    label: 'GET /workflow/runs/:run_id',
    method: 'get',
    path: (i) => `/api/v1/workflow/runs/${i.runId}`,
    scope: 'workflows',
  },
  {
    label: 'POST /workflow/runs/:run_id/cancel',
    method: 'post',
    path: (i) => `/api/v1/workflow/runs/${i.runId}/cancel`,
    scope: 'workflows',
  },
];

const GRAPH = { nodes: [{ id: 'a', type: 'transform', with: { expression: '1' } }] };

describe('key gate: scopes and workspace isolation', () => {
  let h: Harness;
  let a: Tenant;
  let b: Tenant;
  /** Rows that exist only in workspace B. */
  let bWorkflowId: string;
  let bRunId: string;
  let bAgentId: string;
  let aAgentId: string;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    a = await createTenant(h);
    b = await createTenant(h);
    const em = h.services.orm.em.fork();
    const wfA = em.create(WorkflowDefinition, {
      workspaceId: a.workspaceId,
      name: 'a-flow',
      status: 'active',
      graph: GRAPH,
    });
    em.create(WorkflowDefinition, {
      workspaceId: a.workspaceId,
      name: 'a-draft',
      status: 'draft',
      graph: GRAPH,
    });
    const wfB = em.create(WorkflowDefinition, {
      workspaceId: b.workspaceId,
      name: 'b-flow',
      status: 'active',
      graph: GRAPH,
    });
    const runB = em.create(WorkflowRun, {
      workspaceId: b.workspaceId,
      workflowId: wfB.id,
      workflowVersion: 1,
      status: 'running',
      trigger: { source: 'external_api' },
    });
    const agentA = em.create(Agent, { workspaceId: a.workspaceId, name: 'a-agent', description: 'mine' });
    const agentB = em.create(Agent, { workspaceId: b.workspaceId, name: 'b-agent', description: 'theirs' });
    await em.flush();
    expect(wfA.id).toBeDefined();
    bWorkflowId = wfB.id;
    bRunId = runB.id;
    bAgentId = agentB.id;
    aAgentId = agentA.id;
  });
  afterAll(async () => {
    await h.close();
  });

  const call = (
    e: Endpoint,
    key: string | undefined,
    ids: { workflowId: string; runId: string } = { workflowId: randomUUID(), runId: randomUUID() },
  ) => {
    const req = e.method === 'get' ? h.http.get(e.path(ids)) : h.http.post(e.path(ids)).send({});
    return key === undefined ? req : req.set('X-API-Key', key);
  };

  describe('scope × endpoint matrix', () => {
    const keySets: Scope[][] = [['agents'], ['workflows'], ['agents', 'workflows']];
    for (const scopes of keySets) {
      for (const e of ENDPOINTS) {
        const allowed = scopes.includes(e.scope);
        it(`${scopes.join('+')} key on ${e.label} → ${allowed ? 'passes the gate' : '403'}`, async () => {
          const t = await createTenant(h, { scopes });
          const res = await call(e, t.key);
          if (allowed) {
            expect([401, 403, 429]).not.toContain(res.status);
            expect(res.headers['ratelimit-limit']).toBe('600');
          } else {
            // 403 comes before any lookup: an id that does not exist must not turn it into a 404.
            expect(res.status).toBe(403);
            expect(res.body).toEqual({
              error: `API key lacks the '${e.scope}' scope required by this endpoint`,
            });
            expect(res.headers['ratelimit-limit']).toBeUndefined();
          }
        });
      }
    }

    it.each(ENDPOINTS)('401 without a key, with a malformed key, with an unknown key: $label', async (e) => {
      expect((await call(e, undefined)).body).toEqual({ error: 'Missing X-API-Key header' });
      const malformed = await call(e, `${a.key.slice(0, -1)}${a.key.endsWith('A') ? 'B' : 'A'}`);
      expect(malformed.status).toBe(401);
      expect(malformed.body).toEqual({ error: 'Malformed API key' });
      const { generateKey } = await import('../../domain/keys/key-format.ts');
      const unknown = await call(e, generateKey());
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual({ error: 'Invalid API key' });
    });
  });

  describe('gate order and unmatched paths', () => {
    it('checks the scope before the path id: a non-UUID id with a wrong-scope key is 403', async () => {
      const agentsOnly = await createTenant(h, { scopes: ['agents'] });
      const res = await h.http.get('/api/v1/workflow/runs/not-a-uuid').set('X-API-Key', agentsOnly.key);
      expect([res.status, res.body]).toEqual([
        403,
        { error: "API key lacks the 'workflows' scope required by this endpoint" },
      ]);
    });

    it('answers a path no route matches with a plain 404, key or not, and no limit headers', async () => {
      for (const req of [h.http.get('/api/v1/nope'), h.http.get('/api/v1/nope').set('X-API-Key', a.key)]) {
        const res = await req;
        expect([res.status, res.body]).toEqual([404, { error: 'Not found' }]);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
      const wrongMethod = await h.http.delete('/api/v1/agents');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.allow).toContain('GET');
    });
  });

  describe('two-workspace isolation', () => {
    const idRoutes = ENDPOINTS.filter((e) => e.path({ workflowId: 'W', runId: 'R' }).match(/\/(W|R)(\/|$)/));

    it.each(idRoutes)(
      '$label with a workspace-B id answers key A exactly like a nonexistent id',
      async (e) => {
        const foreign = await call(e, a.key, { workflowId: bWorkflowId, runId: bRunId });
        const missing = await call(e, a.key, { workflowId: randomUUID(), runId: randomUUID() });
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(missing.body);
        expect(foreign.status).toBe(missing.status);
      },
    );

    it('the B run is untouched by A trying to cancel it', async () => {
      const run = await h.services.orm.em.fork().findOneOrFail(WorkflowRun, bRunId);
      expect(run.status).toBe('running');
    });

    it('lists only the key workspace agents, builtin first', async () => {
      const res = await h.http.get('/api/v1/agents').set('X-API-Key', a.key);
      expect(res.status).toBe(200);
      expect(res.body.workspace_id).toBe(a.workspaceId);
      const types = (res.body.agents as { type: string }[]).map((x) => x.type);
      expect(types.indexOf('custom')).toBeGreaterThan(types.lastIndexOf('builtin'));
      const ids = (res.body.agents as { id: string }[]).map((x) => x.id);
      expect(ids).toContain(aAgentId);
      expect(ids).not.toContain(bAgentId);
      expect(res.body.agents).toContainEqual(
        expect.objectContaining({
          id: aAgentId,
          name: 'a-agent',
          description: expect.stringMatching(/^mine\. Uses /),
          type: 'custom',
        }),
      );
    });

    it('lists only the key workspace workflows, filtered by status', async () => {
      const all = await h.http.get('/api/v1/workflows').set('X-API-Key', a.key);
      expect(all.status).toBe(200);
      expect(all.body.workspace_id).toBe(a.workspaceId);
      expect((all.body.workflows as { name: string }[]).map((w) => w.name).sort()).toEqual([
        'a-draft',
        'a-flow',
      ]);
      const active = await h.http.get('/api/v1/workflows?status=active').set('X-API-Key', a.key);
      expect(active.body.workflows).toHaveLength(1);
      expect(Object.keys(active.body.workflows[0]).sort()).toEqual(
        ['created_at', 'description', 'id', 'last_run_at', 'name', 'status', 'updated_at', 'version'].sort(),
      );
      expect(active.body.workflows[0]).toMatchObject({
        name: 'a-flow',
        status: 'active',
        version: 1,
        last_run_at: null,
      });
      const bogus = await h.http.get('/api/v1/workflows?status=deleted').set('X-API-Key', a.key);
      expect(bogus.status).toBe(400);
      expect(bogus.body.error).toMatch(/status must be one of draft, active, paused, archived/);
    });

    it('lists only the key workspace runs', async () => {
      const res = await h.http.get('/api/v1/workflow/runs').set('X-API-Key', a.key);
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(bRunId);
    });
  });
});
