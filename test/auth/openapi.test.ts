import type Router from '@koa/router';
import { v1Routes } from '../../api/routes/v1.routes.ts';
import type { AppState } from '../../api/context.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

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
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it('is public and describes exactly the routes the v1 router has', async () => {
    const res = await h.http.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const v1 = v1Routes(h.services);
    try {
      const routes = routerOperations(v1.router);
      expect(routes).toContain('GET /api/v1/agents');
      expect(routes).toContain('GET /api/v1/workflow/runs/{run_id}');
      expect(documentOperations(res.body)).toEqual(routes);
    } finally {
      await v1.close();
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
      }
    }
  });
});
