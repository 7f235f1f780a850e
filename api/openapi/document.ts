import { agentsPaths } from './agents.paths.ts';
import { COMPONENTS } from './components.ts';
import { runsPaths } from './runs.paths.ts';
import { workflowsPaths } from './workflows.paths.ts';

const V1_PREFIX = '/api/v1';

/** The document's own path: public, no key. */
const metaPaths: Record<string, unknown> = {
  '/api/v1/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI 3.1 document (public, no key)',
      security: [],
      responses: {
        200: {
          description: 'The document.',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  },
};

/**
 * The OpenAPI 3.1 document of the External API, merged from each resource's path module. Paths are
 * written in full (`/api/v1/...`, `{param}` style); a module that leaves out the prefix gets it here.
 */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const module of [metaPaths, agentsPaths, workflowsPaths, runsPaths]) {
    for (const [path, item] of Object.entries(module)) {
      paths[path.startsWith(`${V1_PREFIX}/`) ? path : `${V1_PREFIX}${path}`] = item;
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'dagen External API',
      version: '1.0.0',
      description:
        'Call AI agents and run durable workflows. Every endpoint except this document needs an X-API-Key ' +
        'with the scope it names. Errors are `{ "error": "..." }`; requests over the rate limit get 429.',
    },
    security: [{ ApiKeyAuth: [] }],
    paths,
    components: COMPONENTS,
  };
}
