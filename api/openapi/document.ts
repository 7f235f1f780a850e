import type { Endpoint } from '../routes/endpoint.ts';
import { components } from './components.ts';
import { operationOf } from './operation.ts';

const V1_PREFIX = '/api/v1';

/** The document's own path: public, no key. */
const metaPaths: Record<string, Record<string, unknown>> = {
  [`${V1_PREFIX}/openapi.json`]: {
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

/** The OpenAPI 3.1 document of the External API, generated from the endpoint declarations. */
export function buildOpenApiDocument(endpoints: readonly Endpoint[]): Record<string, unknown> {
  const paths = { ...metaPaths };
  for (const e of endpoints) {
    const path = `${V1_PREFIX}${e.path.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] = { ...paths[path], [e.method]: operationOf(e) };
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
    components: components(),
  };
}
