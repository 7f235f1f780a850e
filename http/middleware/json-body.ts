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
 * Deepest nesting of arrays and objects a body may have. Everything downstream (zod, the idempotency
 * hash, JSON Schema checks, jsonb, expressions) walks values recursively; a bound far below any stack
 * limit keeps a 1 MB `[[[[…]]]]` a 400 instead of a stack overflow anywhere later.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays/objects deeper than `max`, in one pass without parsing: brackets
 * inside strings do not count. Malformed text is left for JSON.parse to refuse.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/**
 * Parses JSON bodies only: over `limit` bytes is 413 (from Content-Length before reading a byte, when
 * sent), a non-JSON content type is 415, malformed or too deeply nested JSON is 400. An empty body
 * parses as `{}` so endpoints with all-optional fields accept a bare POST. Mounted per route after the
 * key gate, so a caller without a valid key never makes the server read or parse a body.
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
    if (nestsDeeperThan(raw, MAX_JSON_DEPTH)) {
      throw new BadRequestError(`JSON body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
    }
    try {
      ctx.request.body = raw.trim() === '' ? {} : (JSON.parse(raw) as unknown);
    } catch {
      throw new BadRequestError('Malformed JSON body');
    }
    return next();
  };
}
