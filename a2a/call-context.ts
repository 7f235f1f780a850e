import type { ServerCallContext, User } from '@a2a-js/sdk/server';
import type { AppError } from '../core/errors.ts';
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

/** The ServerCallContext state key of a refusal the door answers over HTTP, as the key gate does. */
const REFUSAL_STATE_KEY = 'dagen.refusal';

/**
 * Records a refusal for the door and returns it to throw: the SDK's transport handlers turn
 * whatever a method throws into a JSON-RPC error, the door answers this one as HTTP (403 `{error}`).
 */
export function refusal(context: ServerCallContext, err: AppError): AppError {
  context.state.set(REFUSAL_STATE_KEY, err);
  return err;
}

export function refusalOf(context: ServerCallContext): AppError | undefined {
  return context.state.get(REFUSAL_STATE_KEY) as AppError | undefined;
}
