import type { JobStatus } from '../run-status.ts';

/** The A2A versions whose push notification format we send: a config's client's version. */
export const PUSH_PROTOCOL_VERSIONS = ['1.0', '0.3'] as const;
export type PushProtocolVersion = (typeof PUSH_PROTOCOL_VERSIONS)[number];

/** Workflow type of one push notification's delivery (workflows/push-delivery.workflow.ts). */
export const PUSH_DELIVERY_WORKFLOW = 'pushDelivery';

/**
 * One notification's workflow id: the task, the config, and the state change (`seq`, the same on
 * every retry of the write that made it), so a retried trigger never starts a second delivery.
 */
export const pushWorkflowId = (taskId: string, configId: string, seq: string): string =>
  `push:${taskId}:${configId}:${seq}`;

/** One state change of a task to deliver to one of its configs; the config's secrets stay in its row. */
export interface PushNotice {
  readonly taskKind: 'job' | 'run';
  readonly taskId: string;
  readonly configId: string;
  readonly status: JobStatus;
  /** When the state changed (ISO 8601), as the receiver sees it. */
  readonly timestamp: string;
  /** What the agent asks (input_required) or why the task failed. */
  readonly message?: string;
}

/** How a delivery retries: from `initialIntervalMs`, doubling up to `maximumIntervalMs`, `maximumAttempts` in all. */
export interface PushRetry {
  readonly timeoutMs: number;
  readonly initialIntervalMs: number;
  readonly maximumIntervalMs: number;
  readonly maximumAttempts: number;
}

export interface PushDeliveryInput {
  readonly notice: PushNotice;
  readonly retry: PushRetry;
}

export interface PushActivities {
  /** POSTs the notice to its config's URL (nothing when the config was deleted meanwhile). */
  deliverPush(notice: PushNotice): Promise<void>;
}
