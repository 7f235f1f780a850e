import { startDevServer, type DevServer } from '../../infra/temporal-dev-server.ts';
import { freePort } from '../../infra/temporal-runtime.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/** /readyz answers 503 and names the dependency that is down; /healthz stays 200 (the process is alive). */
describe('/readyz with a dependency down', () => {
  const open: Harness[] = [];
  afterAll(async () => {
    for (const h of open) await h.close();
  });

  it('names Redis when REDIS_URL points at nothing', async () => {
    const nothing = await freePort();
    const h = await startHarness({ worker: false, env: { REDIS_URL: `redis://127.0.0.1:${nothing}` } });
    open.push(h);
    const res = await h.http.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: 'Not ready: redis unreachable',
      checks: { postgres: true, temporal: true, redis: false },
    });
    expect((await h.http.get('/healthz')).status).toBe(200);
  });

  it('leaves Redis out of the checks when REDIS_URL is not set', async () => {
    const h = await startHarness({ worker: false, env: { REDIS_URL: '' } });
    open.push(h);
    const res = await h.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: true, temporal: true });
  });

  it('names Temporal once its server has stopped', async () => {
    let server: DevServer | undefined = await startDevServer({
      cliPath: process.env.TEMPORAL_CLI_PATH,
      namespace: 'default',
    });
    try {
      const h = await startHarness({ worker: false, env: { TEMPORAL_ADDRESS: server.address } });
      open.push(h);
      expect((await h.http.get('/readyz')).status).toBe(200);
      await server.stop();
      server = undefined;
      const res = await h.http.get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('Not ready: temporal unreachable');
      expect(res.body.checks).toMatchObject({ postgres: true, temporal: false });
    } finally {
      await server?.stop();
    }
  });
});
