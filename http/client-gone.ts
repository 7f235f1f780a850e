import type { AppContext } from './context.ts';

/** Aborts when the caller hangs up, so a long wait or stream is dropped rather than held for nobody. */
export function clientGone(ctx: AppContext): AbortSignal {
  const controller = new AbortController();
  // The response closes before it was written only when the connection dropped.
  ctx.res.once('close', () => {
    if (!ctx.res.writableEnded) controller.abort();
  });
  return controller.signal;
}
