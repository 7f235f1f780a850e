import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { workflowDefinitionSchema } from '../../core/nodes/definition-schema.ts';

const SCHEMA_FILE = new URL('../../docs/workflow-definition.schema.json', import.meta.url);

describe('docs/workflow-definition.schema.json, generated from the node registry', () => {
  const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

  it('matches what the registry generates (run `npm run docs:schema` after changing a node type)', () => {
    expect(committed).toEqual(workflowDefinitionSchema());
  });

  it('accepts a valid definition and rejects what validation rejects', () => {
    const validate = new Ajv({ strict: false }).compile(committed);
    const doc = (nodes: unknown[]) => ({ name: 'schema-check', nodes });
    expect(
      validate(
        doc([
          { id: 'a', type: 'http', with: { url: 'https://example.com', timeout_seconds: '{{ input.t }}' } },
          { id: 'b', type: 'delay', needs: ['a'], with: { seconds: 5 } },
          { id: 'c', type: 'transform', needs: ['b'], with: { expression: 'nodes.a.output.status' } },
        ]),
      ),
    ).toBe(true);
    expect(
      validate(doc([{ id: 'd', type: 'delay', with: { seconds: 5 }, retry: { max_attempts: 2 } }])),
    ).toBe(false);
    expect(validate(doc([{ id: 'h', type: 'http', with: { url: 'https://x', verb: 'GET' } }]))).toBe(false);
    expect(validate(doc([{ id: 'x', type: 'teleport' }]))).toBe(false);
  });
});
