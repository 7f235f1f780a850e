import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../infra/logger.ts';
import type { AppState } from '../context.ts';

const SAFE_ID = /^[\w.-]{1,128}$/;

/** Gives every request an id (the caller's X-Request-Id when sane) and a logger that carries it. */
export function requestId(log: Logger): Middleware<AppState> {
  return async function requestIdMiddleware(ctx, next) {
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = SAFE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.log = log.child({ requestId: ctx.state.requestId });
    ctx.set('X-Request-Id', ctx.state.requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  };
}
