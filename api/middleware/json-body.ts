import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { AppError, BadRequestError } from '../../core/errors.ts';
import type { AppState } from '../context.ts';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body of a POST, PUT or PATCH (`{}` when empty); undefined for other methods. */
    body?: unknown;
  }
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Parses JSON bodies only: over `limit` bytes is 413, a non-JSON content type is 415, malformed JSON is
 * 400. An empty body parses as `{}` so endpoints with all-optional fields accept a bare POST.
 */
export function jsonBody(limit: number): Middleware<AppState> {
  return async function jsonBodyMiddleware(ctx, next) {
    if (!METHODS_WITH_BODY.has(ctx.method)) return next();
    const length = Number(ctx.get('content-length') || 0);
    if (length > limit) throw new AppError(413, `Request body exceeds ${limit} bytes`);
    const hasBody = length > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !ctx.is('application/json', '+json')) {
      throw new AppError(415, 'Request body must be JSON (Content-Type: application/json)');
    }
    let raw = '';
    if (hasBody) {
      try {
        raw = await getRawBody(ctx.req, { limit, encoding: 'utf8' });
      } catch (err) {
        if ((err as { type?: string }).type === 'entity.too.large') {
          throw new AppError(413, `Request body exceeds ${limit} bytes`);
        }
        throw new BadRequestError('Could not read request body');
      }
    }
    try {
      ctx.request.body = raw.trim() === '' ? {} : (JSON.parse(raw) as unknown);
    } catch {
      throw new BadRequestError('Malformed JSON body');
    }
    return next();
  };
}
