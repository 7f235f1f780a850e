import { readFileSync } from 'node:fs';
import { workflowDefinitionSchema } from '../../core/nodes/definition-schema.ts';

const SCHEMA_FILE = new URL('../../docs/workflow-definition.schema.json', import.meta.url);

// How the schema judges definitions is tested with the docs' example in dag-core.test.ts.
describe('docs/workflow-definition.schema.json, generated from the node registry', () => {
  it('matches what the registry generates (run `npm run docs:schema` after changing a node type)', () => {
    const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as unknown;
    expect(committed).toEqual(workflowDefinitionSchema());
  });
});
