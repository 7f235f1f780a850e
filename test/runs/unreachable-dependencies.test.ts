import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import supertest from 'supertest';
import { type ApiApplication, createApp } from '../../http/app.ts';
import { unreachableDependency } from '../../core/errors.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { DOUBLE, saveWorkflow, useRunHarness } from './run-fixtures.ts';

/** A local port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const RUN_ID = '00000000-0000-4000-8000-000000000001';

/** A 503 as the contract says: `{ error }` with a Retry-After, and no address or driver text. */
function expectUnavailable(res: supertest.Response, dependency: string, port?: number): void {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(res.body).toMatchObject({ error: `Service unavailable: the ${dependency} cannot be reached` });
  expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|select |UNAVAILABLE:/);
  if (port !== undefined) expect(res.text).not.toContain(String(port));
}

describe('dependencies unreachable: 503 with Retry-After, never 500', () => {
  const env = useRunHarness({ worker: false });

  describe('Postgres unreachable', () => {
    let dead: Harness;
    let port: number;
    beforeAll(async () => {
      port = await closedPort();
      dead = await startHarness({
        worker: false,
        env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/dagen` },
      });
    });
    afterAll(async () => {
      await dead.close();
    });

    it('answers GET /workflow/runs/:id with 503', async () => {
      const res = await dead.http.get(`/api/v1/workflow/runs/${RUN_ID}`).set('x-api-key', env.t.key);
      expectUnavailable(res, 'database', port);
    });

    it('answers POST /workflow/:id/run with 503', async () => {
      const res = await dead.http
        .post(`/api/v1/workflow/${RUN_ID}/run`)
        .set('x-api-key', env.t.key)
        .send({ input_data: { n: 1 } });
      expectUnavailable(res, 'database', port);
    });

    it('answers every documented operation with 503', async () => {
      const doc = (await dead.http.get('/api/v1/openapi.json')).body as {
        paths: Record<string, Record<string, unknown>>;
      };
      let checked = 0;
      for (const [path, item] of Object.entries(doc.paths)) {
        if (path === '/api/v1/openapi.json') continue; // static: needs no dependency
        for (const method of Object.keys(item) as ('get' | 'post')[]) {
          const url = path.replace(/\{\w+\}/g, RUN_ID);
          const res = await dead.http[method](url).set('x-api-key', env.t.key);
          expectUnavailable(res, 'database', port);
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(6);
    });
  });

  /** A start through `app` answers 503 and leaves its run failed with a reason that names no address. */
  async function expectStartRefused(app: ApiApplication, workflowId: string, hiddenPort?: number) {
    const res = await supertest(app.koa.callback())
      .post(`/api/v1/workflow/${workflowId}/run`)
      .set('x-api-key', env.t.key)
      .send({ input_data: { n: 1 } });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body.error).toBe('Workflow engine unavailable: the run could not be started');
    if (hiddenPort !== undefined) expect(res.text).not.toContain(String(hiddenPort));
    const [run] = await env.h.services.orm.em.fork().find(WorkflowRun, { workflowId });
    expect(run).toMatchObject({
      status: 'failed',
      errorMessage: 'Could not start the run on the workflow engine: it cannot be reached',
    });
    return run!;
  }

  it('answers a start and a cancel with 503 when Temporal is unreachable; the stored reason has no address', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const connection = await Connection.connect({ address: env.h.config.temporal.address! });
    await connection.close();
    const services = { ...env.h.services, temporal: { connection, client: new Client({ connection }) } };
    const app = createApp({ services, metrics: createHttpMetrics('closed-temporal') });
    try {
      const run = await expectStartRefused(app, wf.id);
      const shown = await env.h.http.get(`/api/v1/workflow/runs/${run.id}`).set('x-api-key', env.t.key);
      expect(shown.body.error_message).not.toMatch(/\d+\.\d+\.\d+\.\d+|:\d{2,5}|Channel|gRPC/);

      // Any other route that needs the engine answers the same way, e.g. cancelling a pending run.
      const em = env.h.services.orm.em.fork();
      const pending = em.create(WorkflowRun, {
        workspaceId: env.t.workspaceId,
        workflowId: wf.id,
        workflowVersion: wf.version,
        trigger: { source: 'external_api', api_key_id: env.t.apiKeyId },
      });
      await em.flush();
      const cancel = await supertest(app.koa.callback())
        .post(`/api/v1/workflow/runs/${pending.id}/cancel`)
        .set('x-api-key', env.t.key)
        .send({});
      expectUnavailable(cancel, 'workflow engine');
    } finally {
      await app.close();
    }
  });

  it('answers a start with 503 when Temporal accepts connections but never answers (the start has a deadline)', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    // A black hole: TCP connects, no gRPC answer ever comes (a hung frontend or a dead proxy).
    const sockets = new Set<Socket>();
    const hole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const { port } = hole.address() as AddressInfo;
    const connection = Connection.lazy({ address: `127.0.0.1:${port}` });
    const services = { ...env.h.services, temporal: { connection, client: new Client({ connection }) } };
    const app = createApp({ services, metrics: createHttpMetrics('silent-temporal') });
    try {
      await expectStartRefused(app, wf.id, port);
    } finally {
      await app.close();
      await connection.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hole.close(() => resolve()));
    }
  });

  it('classifies a terminated Postgres session (57P01, then a closed client) as unreachable', async () => {
    const client = new pg.Client({ connectionString: env.h.config.databaseUrl });
    client.on('error', () => undefined); // the termination is also emitted; the failed query reports it
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const em = env.h.services.orm.em.fork();
    // Terminated while a query is in flight: that query gets 57P01, the next one a closed client.
    const inFlight = client.query('select pg_sleep(30)').catch((e: unknown) => e);
    await em.execute('select pg_terminate_backend(?, 5000)', [rows[0]!.pid]);
    const first = await inFlight;
    const second = await client.query('select 1').catch((e: unknown) => e);
    expect((first as { code?: string }).code).toBe('57P01');
    await client.end().catch(() => undefined);
    expect(unreachableDependency(first)).toBe('database');
    expect(unreachableDependency(second)).toBe('database');
    // Errors that are the query's own fault stay what they are (a 500 or their AppError).
    const syntax = await em.execute('selec 1').catch((e: unknown) => e);
    expect(unreachableDependency(syntax)).toBeUndefined();
    expect(unreachableDependency(new Error('boom'))).toBeUndefined();
  });
});
