// Writes docs/workflow-definition.schema.json from the node registry: `npm run docs:schema`.
// test/engine/definition-schema.test.ts fails while the committed file differs from the registry.
import { writeFileSync } from 'node:fs';
import { workflowDefinitionSchema } from '../core/nodes/definition-schema.ts';

const file = new URL('../docs/workflow-definition.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(workflowDefinitionSchema(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
