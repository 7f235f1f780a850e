import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type supertest from 'supertest';
import ajvFormats from 'ajv-formats';
import { createKeyGate } from '../../http/key-gate.ts';
import { v1Routes } from '../../api/routes/v1.routes.ts';
import { createDoorDeps } from '../../http/door-deps.ts';
import type { AppState } from '../../http/context.ts';
import { RUN_STATUSES } from '../../core/run-status.ts';
import { RunStep, WorkflowDefinition, WorkflowRun } from '../../db/entities/index.ts';
import { WORKFLOW_STATUSES } from '../../db/entities/workflow-definition.entity.ts';
import { LIST_LIMIT_MAX } from '../../domain/runs/run-query.service.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

// ajv-formats is CommonJS: Node hands its module.exports (the plugin) to a default import.
const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as (
  ajv: Ajv2020,
) => Ajv2020;

/** The document is walked as free JSON, as a client would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Validates values against the document's schemas, resolving its `#/components/...` references. */
function documentValidator(doc: Json) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const base = 'https://dagen.test/openapi.json';
  ajv.addSchema({ $id: base, components: doc.components });
  return (schema: Json, value: unknown): string[] => {
    // References are relative to the document, wherever they sit in the schema (a body's field too).
    const anchored = JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${base}#/`);
    const validate = ajv.compile(JSON.parse(anchored) as Json);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

/** The JSON schema of an operation's answer with `status`. */
const answerSchema = (op: Json, status: number) => op.responses[status].content['application/json'].schema;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `METHOD /path` for every route on the router, `:param` written as OpenAPI's `{param}`. */
function routerOperations(router: Router<AppState>): string[] {
  const ops = new Set<string>();
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      if (method === 'HEAD') continue; // @koa/router answers HEAD for every GET by itself
      ops.add(`${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return [...ops].sort();
}

function documentOperations(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => METHODS.includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

describe('OpenAPI document', () => {
  let h: Harness;
  let t: Tenant;
  let doc: Json;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    t = await createTenant(h);
    doc = (await h.http.get('/api/v1/openapi.json')).body;
  });
  afterAll(async () => {
    await h.close();
  });

  it('is public and describes exactly the routes the v1 router has', async () => {
    const res = await h.http.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const gate = createKeyGate(h.services);
    const shared = createDoorDeps(h.services);
    try {
      const routes = routerOperations(v1Routes(shared.deps, gate));
      expect(routes).toContain('GET /api/v1/agents');
      expect(routes).toContain('GET /api/v1/workflow/runs/{run_id}');
      expect(documentOperations(res.body)).toEqual(routes);
    } finally {
      await shared.close();
      await gate.close();
    }
  });

  it('describes the key, the errors and the rate-limit headers on every protected operation', async () => {
    const doc = (await h.http.get('/api/v1/openapi.json')).body;
    expect(doc.components.securitySchemes.ApiKeyAuth).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(doc.components.schemas.RateLimitError.required).toEqual(['error', 'retry_after_seconds']);
    expect(Object.keys(doc.components.responses.TooManyRequests.headers)).toEqual(
      expect.arrayContaining(['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
    );
    for (const [path, item] of Object.entries(
      doc.paths as Record<
        string,
        Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
      >,
    )) {
      for (const op of Object.values(item)) {
        if (path === '/api/v1/openapi.json') {
          expect(op.security).toEqual([]);
          continue;
        }
        expect(op.responses).toHaveProperty('401');
        expect(op.responses).toHaveProperty('403');
        expect(op.responses).toHaveProperty('429');
        expect(op.responses).toHaveProperty('503');
      }
    }
    expect(Object.keys(doc.components.responses.Unavailable.headers)).toContain('Retry-After');
  });

  it('answers every method a documented path does not declare with 405, Allow and { error }', async () => {
    const undeclared = ['TRACE', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'GET', 'POST'];
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const declared = Object.keys(item).map((m) => m.toUpperCase());
      const allow = [...declared, ...(declared.includes('GET') ? ['HEAD'] : [])].sort();
      const url = path.replace(/\{\w+\}/g, randomUUID());
      for (const method of undeclared.filter((m) => !declared.includes(m))) {
        const res = await h.http[method.toLowerCase() as 'get'](url).set('X-API-Key', t.key);
        expect([method, path, res.status]).toEqual([method, path, 405]);
        expect(String(res.headers.allow).split(', ').sort()).toEqual(allow);
        expect(res.body.error).toMatch(new RegExp(`^Method ${method} is not allowed`));
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // HEAD is part of GET; an unknown path stays a 404 whatever the method.
    expect((await h.http.head('/api/v1/workflows').set('X-API-Key', t.key)).status).toBe(200);
    const unknown = await h.http.trace('/api/v1/nothing-here');
    expect([unknown.status, unknown.headers.allow]).toEqual([404, undefined]);
  });

  it('documents exactly the cursors the listing accepts: empty, or 30 base64url characters', async () => {
    const listRuns = doc.paths['/api/v1/workflow/runs'].get;
    const cursor = listRuns.parameters.find((p: Json) => p.name === 'cursor');
    const check = documentValidator(doc);
    // Any cursor of the documented shape is a position, including ones the API never handed out.
    const cursors = [
      '',
      'A'.repeat(30),
      'O_2-9zZ'.repeat(4) + 'ab',
      'zzz',
      'A'.repeat(31),
      `${'A'.repeat(29)}=`,
    ];
    for (const value of cursors) {
      const documented = check(cursor.schema, value).length === 0;
      const res = await h.http
        .get(`/api/v1/workflow/runs?cursor=${encodeURIComponent(value)}`)
        .set('X-API-Key', t.key);
      expect([value, res.status]).toEqual([value, documented ? 200 : 400]);
    }
  });

  it('links a started run to its read and its cancel, and listings to what they list', async () => {
    const operations = new Map<string, Json>();
    for (const item of Object.values(doc.paths as Record<string, Json>)) {
      for (const op of Object.values(item) as Json[]) operations.set(op.operationId, op);
    }
    const linksOf = (operationId: string, status: number) =>
      operations.get(operationId)!.responses[status].links as Record<string, Json>;
    const targets = (links: Record<string, Json>) =>
      Object.values(links).map((l) => [l.operationId, l.parameters]);
    const byId = { run_id: '$response.body#/id' };
    for (const status of [200, 202]) {
      expect(targets(linksOf('runWorkflow', status))).toEqual([
        ['getWorkflowRun', byId],
        ['cancelWorkflowRun', byId],
      ]);
    }
    expect(targets(linksOf('listWorkflows', 200))).toEqual([
      ['runWorkflow', { id: '$response.body#/workflows/0/id' }],
    ]);
    expect(targets(linksOf('listWorkflowRuns', 200))).toEqual([
      ['getWorkflowRun', { run_id: '$response.body#/runs/0/id' }],
    ]);
    // Every link names an operation of the document and parameters that operation has.
    for (const op of operations.values()) {
      for (const response of Object.values(op.responses as Record<string, Json>)) {
        for (const link of Object.values((response.links ?? {}) as Record<string, Json>)) {
          const target = operations.get(link.operationId);
          const names = (target?.parameters ?? []).map((p: Json) => p.name);
          expect(names).toEqual(expect.arrayContaining(Object.keys(link.parameters)));
        }
      }
    }
  });

  it('documents the limit headers on the error answers that carry them: all after the gate', async () => {
    const run = `/api/v1/workflow/runs/${randomUUID()}`;
    const answers: [string, supertest.Response][] = [
      ['NotFound', await h.http.get(run).set('X-API-Key', t.key)],
      ['BadRequest', await h.http.get('/api/v1/workflow/runs?limit=0').set('X-API-Key', t.key)],
      [
        'UnsupportedMediaType',
        await h.http.post(`${run}/cancel`).set('X-API-Key', t.key).type('text/plain').send('x'),
      ],
    ];
    for (const [name, res] of answers) {
      const documented = Object.keys(doc.components.responses[name].headers ?? {});
      expect([name, documented]).toEqual([
        name,
        ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      ]);
      expect(res.status).toBe({ NotFound: 404, BadRequest: 400, UnsupportedMediaType: 415 }[name]);
      expect(res.headers['ratelimit-limit']).toBe('600');
    }
    const unauthorized = await h.http.get(run);
    expect([unauthorized.status, unauthorized.headers['ratelimit-limit']]).toEqual([401, undefined]);
    expect(doc.components.responses.Unauthorized.headers).toBeUndefined();
  });

  it('declares 400 where the state of a run can refuse the request (the guide: "otherwise 400")', async () => {
    const cancel = doc.paths['/api/v1/workflow/runs/{run_id}/cancel'].post;
    expect(cancel.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    expect(Object.keys(cancel.responses).sort()).toEqual(
      ['200', '202', '400', '401', '403', '404', '413', '415', '429', '503'].sort(),
    );
  });

  it('documents requests with the schemas that validate them', async () => {
    const start = doc.paths['/api/v1/workflow/{id}/run'].post;
    const body = start.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.timeout).toMatchObject({ type: 'number', exclusiveMinimum: 0, maximum: 600 });
    expect(start.requestBody.required).toBe(false);
    const param = (op: Json, name: string) => op.parameters.find((p: Json) => p.name === name);
    expect(param(start, 'id')).toMatchObject({ in: 'path', required: true, schema: { format: 'uuid' } });
    expect(param(start, 'Idempotency-Key')).toMatchObject({ in: 'header', required: false });
    const listRuns = doc.paths['/api/v1/workflow/runs'].get;
    expect(param(listRuns, 'limit').schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: LIST_LIMIT_MAX,
    });
    expect(param(listRuns, 'status').schema.enum).toEqual([...RUN_STATUSES]);
    expect(param(doc.paths['/api/v1/workflows'].get, 'status').schema.enum).toEqual([...WORKFLOW_STATUSES]);

    // The document's body schema and the validator agree: a body either fails both or passes both
    // (and then gets as far as the lookup of the unknown workflow), cross-field rules included:
    // `timeout` only with `wait: true` is an if/then in the document.
    const check = documentValidator(doc);
    const bodies: unknown[] = [
      {},
      { input_data: [1], wait: true, timeout: 600 },
      { wait: true, timeout: 601 },
      { wait: true, timeout: 0 },
      { wait: 'yes' },
      { timeout: 5 },
      { wait: false, timeout: 5 },
      { wait: true, timeout: 5 },
      { input_data: {}, workflow_version: 1 },
      [1, 2],
      null,
      // Text jsonb cannot store (NUL, in a string or a key), and text it can (a surrogate pair).
      { input_data: ['a\u0000'] },
      { input_data: { nested: [{ 'k\u0000': 1 }] } },
      { input_data: { '😀': '😀' } },
    ];
    for (const sent of bodies) {
      const res = await h.http
        .post(`/api/v1/workflow/${randomUUID()}/run`)
        .set('X-API-Key', t.key)
        .type('json')
        .send(JSON.stringify(sent));
      const documented = check(body, sent).length === 0;
      expect([JSON.stringify(sent), res.status]).toEqual([JSON.stringify(sent), documented ? 404 : 400]);
    }
    // The one rule a JSON Schema string cannot state (it is Unicode text): an unpaired surrogate is
    // refused, and the description of `input_data` says so.
    const lone = await h.http
      .post(`/api/v1/workflow/${randomUUID()}/run`)
      .set('X-API-Key', t.key)
      .type('json')
      .send('{"input_data": "\\ud800"}');
    expect(lone.status).toBe(400);
    expect(body.properties.input_data.description).toMatch(/unpaired surrogates/);
  });

  it('documents answers that real answers match', async () => {
    const em = h.services.orm.em.fork();
    const wf = em.create(WorkflowDefinition, {
      workspaceId: t.workspaceId,
      name: `doc-${randomUUID()}`,
      status: 'active',
      graph: { nodes: [{ id: 'a', type: 'transform', with: { expression: '1' } }] },
    });
    const run = em.create(WorkflowRun, {
      workspaceId: t.workspaceId,
      workflowId: wf.id,
      workflowVersion: 1,
      status: 'success',
      inputData: { n: 1 },
      outputData: { a: 1 },
      trigger: { source: 'external_api', api_key_id: t.apiKeyId },
      startedAt: new Date(),
      finishedAt: new Date(),
    });
    em.create(RunStep, {
      runId: run.id,
      nodeId: 'a',
      name: 'a',
      type: 'transform',
      status: 'success',
      attempt: 1,
      input: { expression: '1' },
      output: 1,
      startedAt: new Date(),
      finishedAt: new Date(),
      durationMs: 3,
    });
    await em.flush();

    const check = documentValidator(doc);
    const answers: [string, string][] = [
      [`/workflow/runs/${run.id}`, '/api/v1/workflow/runs/{run_id}'],
      ['/workflow/runs', '/api/v1/workflow/runs'],
      ['/workflows', '/api/v1/workflows'],
      ['/agents', '/api/v1/agents'],
    ];
    for (const [path, documented] of answers) {
      const res = await h.http.get(`/api/v1${path}`).set('X-API-Key', t.key);
      expect(res.status).toBe(200);
      expect([path, check(answerSchema(doc.paths[documented].get, 200), res.body)]).toEqual([path, []]);
    }
    const got = await h.http.get(`/api/v1/workflow/runs/${run.id}`).set('X-API-Key', t.key);
    expect(got.body.steps).toHaveLength(1);
    // The check has teeth: an undocumented field or a wrong type is caught.
    const schema = answerSchema(doc.paths['/api/v1/workflow/runs/{run_id}'].get, 200);
    expect(check(schema, { ...got.body, extra: 1 })).not.toEqual([]);
    expect(check(schema, { ...got.body, steps: [{ ...got.body.steps[0], status: 'done' }] })).not.toEqual([]);
  });
});
