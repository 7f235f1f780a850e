import http from 'node:http';
import { metricsSource, type HttpMetrics } from '../infra/metrics.ts';

/** A worker's own tiny HTTP endpoint: `/healthz` and `/metrics` (ours plus the Temporal SDK's). */
export async function startWorkerMetricsServer(
  host: string,
  port: number,
  metrics: HttpMetrics,
  temporalMetricsUrl: string,
): Promise<{ close(): Promise<void> }> {
  const text = metricsSource(metrics.registry, temporalMetricsUrl);
  const server = http.createServer((req, res) => {
    const route = req.url === '/metrics' ? '/metrics' : req.url === '/healthz' ? '/healthz' : 'unmatched';
    const end = metrics.latency.startTimer();
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
      const labels = { method: req.method ?? 'GET', route, status: String(status) };
      metrics.requests.inc(labels);
      end(labels);
    };
    if (route === '/healthz') return reply(200, 'application/json', '{"status":"ok"}');
    if (route === '/metrics') {
      text()
        .then((body) => reply(200, 'text/plain; version=0.0.4', body))
        .catch(() => reply(500, 'application/json', '{"error":"Internal server error"}'));
      return;
    }
    reply(404, 'application/json', '{"error":"Not found"}');
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
