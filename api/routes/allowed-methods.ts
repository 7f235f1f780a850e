import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { AppState } from '../../http/context.ts';

/**
 * Answers a request whose path exists but not for its method with 405, an `Allow` header listing the
 * declared methods and `{ "error" }`, whatever the method: @koa/router's own `allowedMethods()`
 * answers 501 to methods it does not know (TRACE) and 200 to OPTIONS, which the OpenAPI document does
 * not declare. HEAD stays allowed wherever GET is (the router serves it as a GET without a body).
 * Answered before the body is parsed or the key checked: the method alone decides.
 */
export function allowedMethods(routers: readonly Router<AppState>[]): Middleware<AppState> {
  return async function allowedMethodsMiddleware(ctx, next) {
    const allowed = new Set<string>();
    for (const router of routers) {
      for (const layer of router.match(ctx.path, ctx.method).path) {
        for (const method of layer.methods) allowed.add(method);
      }
    }
    if (allowed.size === 0 || allowed.has(ctx.method)) return next();
    const allow = [...allowed].join(', ');
    ctx.status = 405;
    ctx.set('Allow', allow);
    ctx.body = { error: `Method ${ctx.method} is not allowed here; allowed: ${allow}` };
  };
}
