import type { RouterMiddleware } from '@koa/router';
import type { z } from 'zod';
import { AppError, BadRequestError } from '../../core/errors.ts';
import type { AppState } from '../../http/context.ts';
import type { ApiDeps, Endpoint } from './endpoint.ts';

/**
 * The Koa handler of a declared endpoint: parses the path, query, headers and body with the endpoint's
 * own schemas (the ones the OpenAPI document shows), runs it, and sends the answer it picked.
 */
export function serve(e: Endpoint, deps: ApiDeps): RouterMiddleware<AppState> {
  return async function endpointHandler(ctx) {
    const input = {
      params: e.params && parsePath(e.params, ctx.params),
      query: e.query && parseOr400(e.query, ctx.query, 'Invalid query'),
      headers: e.headers && parseOr400(e.headers, headersOf(ctx.req.headers, e.headers), 'Invalid headers'),
      // The JSON body parser already made an empty body `{}`; a JSON `null` is refused like any value.
      body: e.body && parseOr400(e.body, ctx.request.body, 'Invalid request body'),
    };
    const reply = await e.handle(ctx, input, deps);
    ctx.status = reply.status;
    if (reply.location !== undefined) ctx.set('Location', reply.location);
    ctx.body = reply.body;
  };
}

/** A path id the schema refuses cannot name anything: the same 404 as an unknown id, never a 400. */
function parsePath<S extends z.ZodType>(schema: S, params: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  throw new AppError(404, parsed.error.issues[0]?.message ?? 'Not found');
}

function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new BadRequestError(`${what}: ${parsed.error.issues.map(describeIssue).join('; ')}`);
}

/** `field: message`; a refused enum value names the allowed ones plainly instead of zod's quoted list. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'invalid_value' && at) return `${at} must be one of ${issue.values.join(', ')}`;
  return at ? `${at}: ${issue.message}` : issue.message;
}

/** The declared headers only, by their canonical names (Node lowercases what arrives). */
function headersOf(incoming: Record<string, string | string[] | undefined>, schema: z.ZodObject) {
  return Object.fromEntries(Object.keys(schema.shape).map((name) => [name, incoming[name.toLowerCase()]]));
}
