import supertest from 'supertest';
import { createApp } from '../../http/app.ts';
import { withOverrides } from '../../infra/config.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { freePort, installTemporalRuntime } from '../../infra/temporal-runtime.ts';
import { startWorkerMetricsServer } from '../../worker/metrics-server.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/** The value of one Prometheus sample, found by metric name and an exact set of labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const METRICS_TOKEN = 'metrics-token-for-tests';
const BEARER = `Bearer ${METRICS_TOKEN}`;

/**
 * /metrics on the API (only with METRICS_TOKEN, as a bearer token) and on the worker's own endpoint. The SDK's Prometheus exporter belongs to the
 * Temporal Runtime, so this file installs it first, as `dagen worker` and `dagen start` do.
 */
describe('metrics', () => {
  let temporalMetricsUrl: string;
  let h: Harness;

  beforeAll(async () => {
    temporalMetricsUrl = await installTemporalRuntime('warn');
    h = await startHarness({ env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts and times API requests by route pattern and status', async () => {
    await h.http.get('/healthz');
    await h.http.get('/healthz');
    await h.http.get('/no/such/page');
    await h.http.get('/api/v1/workflow/runs/00000000-0000-0000-0000-000000000000');
    const res = await h.http.get('/metrics').set('Authorization', BEARER);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.text;
    expect(
      sample(text, 'dagen_http_requests_total', { route: '/healthz', status: '200', method: 'GET' }),
    ).toBe(2);
    expect(sample(text, 'dagen_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    // A parameterised path is counted under its pattern, never under the id.
    expect(text).not.toContain('00000000-0000-0000-0000-000000000000');
    expect(text).toMatch(/dagen_http_requests_total\{[^}]*route="\/api\/v1\/workflow\/runs\/:\w+"/);
    expect(
      sample(text, 'dagen_http_request_duration_seconds_count', { route: '/healthz', status: '200' }),
    ).toBe(2);
    expect(
      sample(text, 'dagen_http_request_duration_seconds_bucket', {
        route: '/healthz',
        status: '200',
        le: '+Inf',
      }),
    ).toBe(2);
  });

  it('adds the Temporal SDK metrics to the API /metrics of a process that hosts a worker', async () => {
    const api = createApp({ services: h.services, metrics: createHttpMetrics('api'), temporalMetricsUrl });
    try {
      const http = supertest(api.koa.callback());
      await http.get('/healthz');
      const res = await http.get('/metrics').set('Authorization', BEARER);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^dagen_http_requests_total/m);
      expect(res.text).toMatch(/^temporal_\w+/m);
    } finally {
      await api.close();
    }
  });

  it('refuses the API /metrics without the token, and does not serve it at all when none is set', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', METRICS_TOKEN, `Basic ${METRICS_TOKEN}`]) {
      const req = h.http.get('/metrics');
      const res = await (authorization === undefined ? req : req.set('Authorization', authorization));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.error).toMatch(/metrics token/);
      expect(res.text).not.toContain('dagen_http_requests_total');
    }
    const config = withOverrides(h.config, { metricsToken: undefined });
    const api = createApp({ services: { ...h.services, config }, metrics: createHttpMetrics('api') });
    try {
      const res = await supertest(api.koa.callback()).get('/metrics').set('Authorization', BEARER);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Not found' });
    } finally {
      await api.close();
    }
  });

  it('serves our metrics and the SDK metrics on the worker metrics server', async () => {
    const port = await freePort();
    const server = await startWorkerMetricsServer(
      '127.0.0.1',
      port,
      createHttpMetrics('worker'),
      temporalMetricsUrl,
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(
        sample(text, 'dagen_http_requests_total', { route: '/healthz', status: '200', component: 'worker' }),
      ).toBe(1);
      expect(sample(text, 'dagen_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
      expect(text).toMatch(/^dagen_process_cpu_seconds_total/m);
      // The harness worker polls this Runtime's connection, so the SDK exporter has worker metrics.
      expect(text).toMatch(/^temporal_\w+/m);
    } finally {
      await server.close();
    }
  });
});
