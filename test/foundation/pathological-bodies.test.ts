import { randomUUID } from 'node:crypto';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../http/middleware/json-body.ts';
import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { requestHash } from '../../domain/runs/idempotency.ts';
import { BadRequestError } from '../../core/errors.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

const DEEP = 10_000;
const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + '0' + '}'.repeat(levels);

/** `{"a":{"a":…0…}}` as a value, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('nesting scan', () => {
  it('counts only brackets outside strings, escaped quotes included', () => {
    expect(nestsDeeperThan('[[1]]', 2)).toBe(false);
    expect(nestsDeeperThan('[[[1]]]', 2)).toBe(true);
    expect(nestsDeeperThan('{"a":[{}]}', 3)).toBe(false);
    expect(nestsDeeperThan(`["${'['.repeat(100)}"]`, 1)).toBe(false);
    expect(nestsDeeperThan(`["\\"[[[", [[]]]`, 2)).toBe(true);
    expect(nestsDeeperThan(`["\\\\", [[]]]`, 2)).toBe(true);
    expect(nestsDeeperThan('[][][][]', 1)).toBe(false);
  });

  it('the idempotency hash refuses a value too deep to walk with a 400, not a stack overflow', () => {
    expect(() => requestHash('wf', nested(DEEP))).toThrow(BadRequestError);
    expect(requestHash('wf', nested(MAX_JSON_DEPTH))).toEqual(expect.any(String));
  });
});

/**
 * Bodies built to hurt: nesting, key counts, long strings and `__proto__`, sent to the run endpoint of
 * a workflow that validates its input against a schema and echoes it through an expression, so each
 * one is also hashed (Idempotency-Key), stored as jsonb and evaluated.
 */
describe('pathological request bodies', () => {
  let h: Harness;
  let t: Tenant;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness();
    t = await createTenant(h);
    const wf = await applyDefinition(h.services.orm.em.fork(), t.workspaceId, {
      name: `echo-${randomUUID()}`,
      status: 'active',
      input_schema: { type: 'object' },
      nodes: [{ id: 'echo', type: 'transform', with: { expression: 'input' } }],
    });
    workflowId = wf.id;
  });
  afterAll(async () => {
    await h.close();
  });

  const run = (body: string) =>
    h.http
      .post(`/api/v1/workflow/${workflowId}/run`)
      .set('X-API-Key', t.key)
      .set('Idempotency-Key', randomUUID())
      .set('content-type', 'application/json')
      .send(body);

  it(`refuses ${DEEP}-level arrays and objects with a 400 naming the limit, and starts nothing`, async () => {
    const bodies = [
      deepArray(DEEP),
      deepObject(DEEP),
      `{"input_data":${deepArray(DEEP)}}`,
      `{"input_data":${deepObject(DEEP)}}`,
      `{"input_data":{"a":${deepArray(MAX_JSON_DEPTH)}}}`,
    ];
    for (const body of bodies) {
      const res = await run(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: `JSON body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
      });
    }
    expect(await h.services.orm.em.fork().count(WorkflowRun, { workflowId })).toBe(0);
    const document = await h.http.get('/api/v1/openapi.json');
    expect(document.text).toContain(`${MAX_JSON_DEPTH - 1} levels deep`);
  });

  it(`runs input nested to the limit (${MAX_JSON_DEPTH} levels with the body) end to end`, async () => {
    const input = nested(MAX_JSON_DEPTH - 1);
    const body = JSON.stringify({ input_data: input, wait: true, timeout: 60 });
    expect(nestsDeeperThan(body, MAX_JSON_DEPTH)).toBe(false);
    const res = await run(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', input_data: input, output_data: { echo: input } });
  });

  it('runs a body of tens of thousands of keys, and one long string, within the size limit', async () => {
    const many = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    const wide = await run(JSON.stringify({ input_data: many, wait: true, timeout: 60 }));
    expect(wide.status).toBe(200);
    expect(wide.body.status).toBe('success');
    expect(Object.keys(wide.body.output_data.echo)).toHaveLength(50_000);

    const text = 'x'.repeat(900_000);
    const long = await run(JSON.stringify({ input_data: { text }, wait: true, timeout: 60 }));
    expect(long.status).toBe(200);
    expect(long.body).toMatchObject({ status: 'success', output_data: { echo: { text } } });
  });

  it('keeps a __proto__ key as plain data: no prototype is touched, and the body field is refused', async () => {
    const res = await run('{"input_data":{"__proto__":{"polluted":true},"x":1},"wait":true,"timeout":60}');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('success');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Stored, evaluated and answered as an ordinary own key, both in the input and the echoed output.
    for (const data of [res.body.input_data, res.body.output_data.echo]) {
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.keys(data).sort()).toEqual(['__proto__', 'x']);
      expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toEqual({ polluted: true });
    }
    const topLevel = await run('{"__proto__":{"wait":true}}');
    expect(topLevel.status).toBe(400);
  });
});
