import { ApplicationFailure } from '@temporalio/common';
import {
  ModelRateLimitedError,
  ModelRequestRejectedError,
  ModelUnavailableError,
  UnknownModelProviderError,
} from '../models/model-errors.ts';

/**
 * A model call's error as the turn workflow's retry policy reads it: a 429 is retried after the
 * provider's `retry-after`, a refusal or an unknown provider never, a provider outage with backoff.
 * `where` names the failing step, so the job's error says which one failed. Anything else (a
 * cancellation, the database) passes unchanged.
 */
export function modelCallFailure(err: unknown, where: string): unknown {
  if (err instanceof ModelRateLimitedError) {
    return ApplicationFailure.create({
      message: `${where}: ${err.message}`,
      type: 'ModelRateLimited',
      nextRetryDelay: err.retryAfterMs,
    });
  }
  if (err instanceof ModelRequestRejectedError) {
    return ApplicationFailure.nonRetryable(`${where}: ${err.message}`, 'ModelRequestRejected');
  }
  if (err instanceof UnknownModelProviderError) {
    return ApplicationFailure.nonRetryable(`${where}: ${err.message}`, 'UnknownModelProvider');
  }
  if (err instanceof ModelUnavailableError) {
    return ApplicationFailure.retryable(`${where}: ${err.message}`, 'ModelUnavailable');
  }
  return err;
}
