import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route' | 'status'>;
}

/** A registry per process with Node defaults and request count/latency by route and status. */
export function createHttpMetrics(component: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: 'dagen_' });
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    registry,
    requests: new Counter({
      name: 'dagen_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'dagen_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

/** Prometheus text of our registry plus, when given, the Temporal SDK's own exporter. */
export function metricsSource(registry: Registry, temporalMetricsUrl?: string): () => Promise<string> {
  return async () => {
    const own = await registry.metrics();
    if (!temporalMetricsUrl) return own;
    const sdk = await fetch(temporalMetricsUrl, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.text())
      .catch(() => '');
    return `${own}\n${sdk}`;
  };
}
