import supertest from 'supertest';
import { BadRequestError } from '../../core/errors.ts';
import { createLogger } from '../../infra/logger.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

interface LogLine {
  msg: string;
  requestId?: string;
  err?: { message?: string; stack?: string };
  [field: string]: unknown;
}

const SECRET = 'connection string postgres://admin:hunter2@db/prod';

describe('error rendering and request logging', () => {
  let h: Harness;
  let http: supertest.Agent;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
    h = await startHarness({ worker: false, log });
    // Routes that fail the two ways a handler can: an unknown error and an AppError.
    h.api.koa.use(async (ctx, next) => {
      if (ctx.path === '/test/boom') throw new TypeError(SECRET);
      if (ctx.path === '/test/bad') throw new BadRequestError('name is required');
      return next();
    });
    // Koa composes its middleware when the callback is made, so bind a fresh one that includes them.
    http = supertest.agent(h.api.koa.callback());
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  it('renders an unknown error as a bare 500, logs it with the request id, leaks nothing', async () => {
    const res = await http.get('/test/boom').set('X-Request-Id', 'req-boom-1');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'Internal server error' });
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toMatch(/TypeError|\n\s+at /);
    expect(res.headers['x-request-id']).toBe('req-boom-1');

    const logged = lines.find((l) => l.msg === 'unhandled error');
    expect(logged?.requestId).toBe('req-boom-1');
    expect(logged?.err?.stack).toContain('TypeError');
  });

  it('renders an AppError with its status and safe message', async () => {
    const res = await http.get('/test/bad');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'name is required' });
  });

  it('gives every request an id, echoes a sane caller id and replaces an unsafe one', async () => {
    const generated = await http.get('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await http.get('/healthz').set('X-Request-Id', 'caller.id-42');
    expect(echoed.headers['x-request-id']).toBe('caller.id-42');
    const unsafe = await http.get('/healthz').set('X-Request-Id', 'two words<script>');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id on every log line written while serving requests', async () => {
    await http.get('/healthz').set('X-Request-Id', 'req-a');
    await http.get('/test/boom').set('X-Request-Id', 'req-b');
    await http.get('/nope').set('X-Request-Id', 'req-c');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line.requestId).toMatch(/^req-[abc]$/);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.requestId, l.status])).toEqual([
      ['req-a', 200],
      ['req-b', 500],
      ['req-c', 404],
    ]);
  });
});
