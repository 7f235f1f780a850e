import type { ParameterizedContext } from 'koa';
import type { Caller } from '../domain/tenants/caller.ts';
import type { Logger } from '../infra/logger.ts';

export interface AppState {
  requestId: string;
  log: Logger;
  /** Set by the key gate on External API routes. */
  auth?: Caller;
}

export type AppContext = ParameterizedContext<AppState>;

/** The caller bound by the key gate; routes behind the gate may rely on it. */
export function authOf(ctx: AppContext): Caller {
  if (!ctx.state.auth) throw new Error('route mounted without the API key gate');
  return ctx.state.auth;
}
