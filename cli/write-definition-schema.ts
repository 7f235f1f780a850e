// Writes docs/workflow-definition.schema.json from the node registry: `npm run docs:schema`.
// test/engine/definition-schema.test.ts fails while the committed file differs from the registry.
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { workflowDefinitionSchema } from '../core/nodes/definition-schema.ts';

const file = new URL('../docs/workflow-definition.schema.json', import.meta.url);
// Formatted like every other file, so `prettier --check .` stays quiet.
const options = { ...(await resolveConfig(file)), parser: 'json' };
writeFileSync(file, await format(JSON.stringify(workflowDefinitionSchema()), options));
console.log(`wrote ${file.pathname}`);
