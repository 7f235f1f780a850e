import type { Middleware } from 'koa';
import type { HttpMetrics } from '../../infra/metrics.ts';
import type { AppState } from '../context.ts';

/** Counts and times every request by its route pattern (not its path, which would explode cardinality). */
export function httpMetrics(metrics: HttpMetrics): Middleware<AppState> {
  return async function httpMetricsMiddleware(ctx, next) {
    const end = metrics.latency.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const labels = { method: ctx.method, route: String(route), status: String(ctx.status) };
      metrics.requests.inc(labels);
      end(labels);
    }
  };
}
