// Pure engine logic: no Temporal, no Postgres.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import type { NodeSpec } from '../../core/dag/definition.ts';
import { checkWithFields } from '../../core/dag/node-fields.ts';
import { buildRunContext, sinkOutputs } from '../../core/dag/run-context.ts';
import { DagSchedule, sinkNodeIds } from '../../core/dag/schedule.ts';
import { parseTemplate, TemplateSyntaxError } from '../../core/dag/template.ts';
import { validateGraph } from '../../core/dag/validate.ts';

const t = (id: string, needs: string[] = [], extra: Partial<NodeSpec> = {}): NodeSpec => ({
  id,
  type: 'transform',
  needs,
  with: { expression: '1' },
  ...extra,
});

describe('validateGraph', () => {
  it('accepts a valid graph (whole document or just the graph) and normalizes it', () => {
    const result = validateGraph({
      name: 'doc',
      status: 'active',
      nodes: [
        { id: 'a', type: 'http', with: { url: 'https://example.com/{{ input.id }}', method: 'post' } },
        { id: 'b', type: 'delay', needs: ['a'], with: { seconds: '{{ input.wait }}' } },
      ],
      output: 'nodes.a.output.body',
    });
    expect(result).toEqual({
      ok: true,
      graph: {
        nodes: [
          {
            id: 'a',
            type: 'http',
            needs: [],
            with: { url: 'https://example.com/{{ input.id }}', method: 'post' },
          },
          { id: 'b', type: 'delay', needs: ['a'], with: { seconds: '{{ input.wait }}' } },
        ],
        output: 'nodes.a.output.body',
      },
    });
  });

  it('reports every problem at once, each with its node id', () => {
    const result = validateGraph({
      nodes: [
        { id: 'a', type: 'transform', with: { expression: 'input.x +' } },
        { id: 'b', type: 'bogus' },
        { type: 'transform', with: { expression: '1' } },
        { id: 'c', type: 'transform', needs: ['d', 'ghost'], with: { expression: '1' } },
        { id: 'd', type: 'transform', needs: ['c'], with: { expression: '1' }, when: '((' },
        { id: 'e', type: 'transform', needs: ['d'], with: { expression: '1' } },
        { id: 'a', type: 'http', with: { url: 'http://x/{{ input. }}', method: 'FETCH', extra: 1 } },
        { id: 'f', type: 'delay', with: {}, retry: { max_attempts: 2 } },
        { id: 'g', type: 'agent', with: { agent_id: 7 }, timeout_seconds: -1, colour: 'red' },
        { id: 'h', type: 'workflow', with: { input: { x: '{{ unclosed' } } },
      ],
      output: '$$$(',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map((p) => `${p.node ?? '-'}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^-: "output" is not a valid expression/),
        expect.stringMatching(/^a: "with.expression" is not a valid expression: .* at character \d+/),
        'b: unknown type "bogus" (expected one of transform, condition, http, delay, agent, workflow)',
        'nodes[2]: "id" is required (a non-empty string)',
        'c: needs unknown node "ghost"',
        'c: is part of a cycle (c -> d)',
        'd: is part of a cycle (c -> d)',
        expect.stringMatching(/^d: "when" is not a valid expression/),
        'a: duplicate node id "a"',
        'a: "with.extra" is not a field of http nodes',
        'a: "with.method" must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS',
        expect.stringMatching(/^a: template in "with.url" is not a valid expression/),
        'f: "retry" is not supported for delay nodes',
        'f: "with.seconds" is required',
        'g: "with.agent_id" must be a string',
        'g: "with.message" is required',
        'g: unknown field "colour"',
        expect.stringMatching(/^g: "timeout_seconds" must be between/),
        'h: "with.workflow_id" is required',
        'h: "with.input.x" has a bad template: unclosed "{{" at character 0',
      ]),
    );
    // `e` only hangs below the cycle: it is not reported as part of it.
    expect(problems.some((p) => p.startsWith('e:'))).toBe(false);
  });

  it('rejects non-objects, missing nodes and bad ids', () => {
    expect(validateGraph('x')).toEqual({
      ok: false,
      problems: [{ message: 'definition must be a JSON object' }],
    });
    expect(validateGraph({})).toEqual({ ok: false, problems: [{ message: '"nodes" must be an array' }] });
    const bad = validateGraph({ nodes: [t('has-dash'), t('self', ['self'])] });
    expect(bad.ok ? [] : bad.problems).toEqual(
      expect.arrayContaining([
        { node: 'has-dash', message: expect.stringContaining('"id" must start with a letter') },
        { node: 'self', message: 'needs itself' },
      ]),
    );
  });
});

describe('templates', () => {
  it('splits text and expressions', () => {
    expect(parseTemplate('a {{ x }} b {{y}}')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'expr', expression: 'x' },
      { kind: 'text', text: ' b ' },
      { kind: 'expr', expression: 'y' },
    ]);
    expect(parseTemplate('plain')).toEqual([{ kind: 'text', text: 'plain' }]);
    expect(() => parseTemplate('{{ }}')).toThrow(TemplateSyntaxError);
  });

  it('checks resolved `with` values by their final types', () => {
    expect(checkWithFields('delay', { seconds: '{{ input.s }}' }, false)).toEqual([]);
    expect(checkWithFields('delay', { seconds: 'soon' }, true)).toEqual(['"with.seconds" must be a number']);
    expect(checkWithFields('http', { url: 'http://x', headers: { a: 1 } }, true)).toEqual([
      '"with.headers" values must be strings',
    ]);
  });
});

describe('DagSchedule', () => {
  it('starts every ready node at once and joins on all upstream', () => {
    const s = new DagSchedule([t('a'), t('b', ['a']), t('c', ['a']), t('d', ['b', 'c'])]);
    expect(s.ready().map((n) => n.id)).toEqual(['a']);
    s.start('a');
    expect(s.ready()).toEqual([]);
    s.finish('a', 'success');
    expect(s.ready().map((n) => n.id)).toEqual(['b', 'c']);
    s.start('b');
    s.start('c');
    s.finish('b', 'success');
    expect(s.ready()).toEqual([]);
    s.finish('c', 'success');
    expect(s.ready().map((n) => n.id)).toEqual(['d']);
    s.start('d');
    expect(s.done).toBe(false);
    s.finish('d', 'success');
    expect(s.done).toBe(true);
  });

  it('skips everything below a skipped node, transitively', () => {
    const s = new DagSchedule([t('a'), t('b', ['a']), t('c', ['b']), t('d', ['c', 'x']), t('x')]);
    s.start('a');
    s.finish('a', 'skipped');
    expect(s.propagateSkips()).toEqual(['b', 'c', 'd']);
    expect(s.ready().map((n) => n.id)).toEqual(['x']);
    expect(() => s.finish('x', 'success')).toThrow('node "x" is pending, expected running');
  });

  it('finds sinks and assembles the default output from successful sinks', () => {
    const nodes = [t('a'), t('b', ['a']), t('c', ['a'])];
    expect(sinkNodeIds(nodes)).toEqual(['b', 'c']);
    const context = buildRunContext({ q: 1 }, [
      { nodeId: 'a', status: 'success', output: 1 },
      { nodeId: 'b', status: 'success', output: { v: 2 } },
      { nodeId: 'c', status: 'skipped', output: null },
      { nodeId: 'z', status: 'running', output: null },
    ]);
    expect(context.nodes.z).toBeUndefined();
    expect(context.input).toEqual({ q: 1 });
    expect(sinkOutputs(['b', 'c'], context)).toEqual({ b: { v: 2 } });
  });
});

describe('AddressPolicy', () => {
  const policy = new AddressPolicy(['10.1.0.0/16', '192.168.1.5', 'internal.example']);

  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local / cloud metadata'],
    ['10.2.3.4', 'private'],
    ['172.20.0.1', 'private'],
    ['fd00::1', 'private (unique local)'],
    ['fe80::1', 'link-local'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local / cloud metadata'],
    ['0.0.0.0', 'unspecified'],
  ])('refuses %s (%s)', (address, label) => {
    expect(policy.refusal(address)).toBe(`${address} is a ${label} address`);
  });

  it('allows public addresses and what the allowlist names', () => {
    expect(policy.refusal('93.184.216.34')).toBeUndefined();
    expect(policy.refusal('2606:4700::1111')).toBeUndefined();
    expect(policy.refusal('10.1.200.3')).toBeUndefined();
    expect(policy.refusal('192.168.1.5')).toBeUndefined();
    expect(policy.refusal('192.168.1.6')).toBe('192.168.1.6 is a private address');
    expect(policy.hostAllowed('Internal.Example')).toBe(true);
    expect(policy.hostAllowed('other.example')).toBe(false);
  });
});

describe('docs/workflow-definitions.md', () => {
  const doc = readFileSync(new URL('../../docs/workflow-definitions.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = JSON.parse(blocks[0]!) as Record<string, unknown>;
  // The JSON Schema it links to, generated from the node registry.
  const schema = JSON.parse(
    readFileSync(new URL('../../docs/workflow-definition.schema.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

  it('its example is a valid definition for the validator and for the published JSON Schema', () => {
    expect(validateGraph(example).ok).toBe(true);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const check = ajv.compile(schema);
    expect(check(example) ? [] : check.errors).toEqual([]);
  });

  it('its JSON Schema rejects what the validator rejects field by field', () => {
    const check = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const bad = {
      name: 'x',
      nodes: [{ id: 'a', type: 'delay', with: { seconds: 1, extra: 1 }, retry: { max_attempts: 2 } }],
    };
    expect(check(bad)).toBe(false);
    expect(validateGraph(bad).ok).toBe(false);
  });
});
