import { proxyActivities } from '@temporalio/workflow';
import type { PushActivities, PushDeliveryInput } from '../core/tasks/push-contract.ts';

/** Answers that retrying cannot change (a refused address, a receiver that rejects the request). */
const NON_RETRYABLE = ['PushRefused'];

/**
 * Delivers one push notification: a POST retried with exponential backoff, as configured when the
 * notification was made (the workflow cannot read config). Fails when every attempt failed.
 */
export async function pushDelivery({ notice, retry }: PushDeliveryInput): Promise<void> {
  const { deliverPush } = proxyActivities<PushActivities>({
    // The POST's own deadline plus a margin for reading the config.
    startToCloseTimeout: retry.timeoutMs + 5_000,
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
    summary: 'push notification',
  });
  await deliverPush(notice);
}
