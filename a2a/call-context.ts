import type { ServerCallContext, User } from '@a2a-js/sdk/server';
import type { Caller } from '../domain/tenants/caller.ts';

/** The authenticated key as the SDK's user: the caller every method acts for. */
export class KeyUser implements User {
  readonly caller: Caller;
  constructor(caller: Caller) {
    this.caller = caller;
  }
  get isAuthenticated(): boolean {
    return true;
  }
  get userName(): string {
    return this.caller.apiKeyId;
  }
}

/** The ServerCallContext state key of the signal that ends a call's waits (client gone, server draining). */
export const STOP_STATE_KEY = 'dagen.stop';

export function callerOf(context: ServerCallContext): Caller {
  const user = context.user;
  if (!(user instanceof KeyUser)) throw new Error('A2A call without the key gate');
  return user.caller;
}

export function stopOf(context: ServerCallContext): AbortSignal {
  return (context.state.get(STOP_STATE_KEY) as AbortSignal | undefined) ?? new AbortController().signal;
}
