import type { Middleware } from 'koa';
import { ActiveRunLimitError, AppError, UnavailableError, unreachableDependency } from '../../core/errors.ts';
import type { AppState } from '../context.ts';

/** Koa's own client errors (e.g. from ctx.throw or body parsing) carry `status` and `expose`. */
interface HttpishError {
  status?: number;
  expose?: boolean;
  message?: string;
}

/**
 * Renders every error as `{ "error": "…" }`. AppErrors and exposed client errors show their message;
 * a dependency that cannot be reached (Postgres, Temporal) is a 503 with `Retry-After`, whichever
 * route met it; anything else is a 500 with a generic message, logged with the request id and never
 * leaked (driver messages carry addresses and SQL).
 */
export function errorHandler(): Middleware<AppState> {
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: 'Not found' };
      }
    } catch (caught) {
      const err = asUnavailable(caught) ?? caught;
      if (err instanceof AppError) {
        ctx.status = err.status;
        ctx.body = { error: err.message, ...err.details };
        if (err instanceof UnavailableError || err instanceof ActiveRunLimitError) {
          ctx.set('Retry-After', String(err.retryAfterSeconds));
        }
        if (err.status >= 500) ctx.state.log.error({ err }, 'request failed');
        return;
      }
      const e = err as HttpishError;
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
        ctx.status = e.status;
        ctx.body = { error: e.message ?? 'Bad request' };
        return;
      }
      ctx.state.log.error({ err }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: 'Internal server error' };
    }
  };
}

/** A driver's connection error as the 503 it means; the original stays the cause, for the log. */
function asUnavailable(err: unknown): UnavailableError | undefined {
  if (err instanceof AppError) return undefined;
  const dependency = unreachableDependency(err);
  return dependency && new UnavailableError(`Service unavailable: the ${dependency} cannot be reached`, err);
}
