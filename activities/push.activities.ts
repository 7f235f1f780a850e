import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PushActivities } from '../core/tasks/push-contract.ts';
import type { MikroORM } from '../db/orm.ts';
import { pushRequest } from '../domain/tasks/push-notification.ts';
import type { A2aPushConfig } from '../infra/config.ts';
import { AddressPolicy } from '../infra/outbound/address-policy.ts';
import { RequestRefusedError, safeRequest } from '../infra/outbound/safe-request.ts';

export interface PushDeps {
  readonly orm: MikroORM;
  readonly push: A2aPushConfig;
}

/** Client errors a later attempt may cure: a timeout, a receiver not ready yet, a rate limit. */
const RETRYABLE_CLIENT_ERRORS = new Set([404, 408, 409, 425, 429]);

/** The activity that POSTs one push notification (workflows/push-delivery.workflow.ts). */
export function createPushActivities({ orm, push }: PushDeps): PushActivities {
  const policy = new AddressPolicy(push.allowedHosts);
  return {
    async deliverPush(notice) {
      const { info, cancellationSignal } = Context.current();
      // The delivery's workflow id names the status message the same on every attempt.
      const messageId = info.workflowExecution?.workflowId ?? `${notice.taskId}:${notice.timestamp}`;
      const request = await pushRequest(orm.em.fork(), notice, messageId);
      // The config was deleted since the change: its owner no longer wants to hear about the task.
      if (!request) return;
      const where = new URL(request.url).origin;
      let status: number;
      try {
        ({ status } = await safeRequest(
          {
            method: 'POST',
            url: request.url,
            headers: request.headers,
            body: request.body,
            timeoutMs: push.timeoutMs,
          },
          policy,
          cancellationSignal,
        ));
      } catch (err) {
        if (err instanceof RequestRefusedError) {
          throw ApplicationFailure.nonRetryable(`push to ${where}: ${err.message}`, 'PushRefused');
        }
        throw ApplicationFailure.retryable(
          `push to ${where} failed: ${(err as Error).message}`,
          'PushFailed',
        );
      }
      if (status >= 200 && status < 300) return;
      const message = `push to ${where} answered ${status}`;
      if (status >= 400 && status < 500 && !RETRYABLE_CLIENT_ERRORS.has(status)) {
        throw ApplicationFailure.nonRetryable(message, 'PushRefused');
      }
      throw ApplicationFailure.retryable(message, 'PushFailed');
    },
  };
}
