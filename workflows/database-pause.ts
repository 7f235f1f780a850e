// Runs wait out a database outage instead of failing. An activity that cannot reach Postgres fails
// at once with `DatabaseUnavailable` (never retried inside the activity: a retrying local activity
// heartbeats the workflow task every few seconds, growing history without bound). The workflow then
// pauses on a durable timer, with backoff, and calls the same activity again: a run paused for an
// hour costs a few events per pause, and neither the run nor the node's own retry budget pays for it.
import { ActivityFailure, ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { DATABASE_UNAVAILABLE } from '../core/engine/database-failure.ts';

/** Guards the change for histories recorded before it (docs/workflow-code-changes.md). */
export const DATABASE_PAUSE_PATCH = 'pause-while-database-unreachable';
/** The first pause; each next one doubles, up to the cap. */
export const FIRST_PAUSE_MS = 1000;
/** The longest pause: how late a run resumes at worst once the database is back. */
export const MAX_PAUSE_MS = 60_000;

/** A retry policy that hands `DatabaseUnavailable` straight to the workflow (when patched). */
export function failFastOnDatabase<R extends RetryPolicy>(retry: R): R {
  if (!patched(DATABASE_PAUSE_PATCH)) return retry;
  return {
    ...retry,
    nonRetryableErrorTypes: [...(retry.nonRetryableErrorTypes ?? []), DATABASE_UNAVAILABLE],
  };
}

/**
 * Whether an activity failed because the database cannot be reached. A regular activity's failure
 * wraps the activity's own error; a local activity's may arrive as that error itself.
 */
function isDatabaseUnavailable(err: unknown): boolean {
  const own = err instanceof ActivityFailure ? err.cause : err;
  return own instanceof ApplicationFailure && own.type === DATABASE_UNAVAILABLE;
}

/**
 * The activities of `proxy`, each called again after a pause while it fails with
 * `DatabaseUnavailable`. A cancellation ends the pause like any timer (in a non-cancellable scope,
 * the call keeps waiting for the database).
 */
export function pausingForDatabase<T extends object>(proxy: T): T {
  if (!patched(DATABASE_PAUSE_PATCH)) return proxy;
  return new Proxy(proxy, {
    get(target, name) {
      const activity = Reflect.get(target, name) as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        for (let pauseMs = FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS)) {
          try {
            return await activity(...args);
          } catch (err) {
            if (!isDatabaseUnavailable(err)) throw err;
            await sleep(pauseMs, { summary: 'waiting for the database' });
          }
        }
      };
    },
  });
}
