import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { JobStatus } from '../../core/run-status.ts';
import {
  PUSH_DELIVERY_WORKFLOW,
  pushWorkflowId,
  type PushDeliveryInput,
  type PushNotice,
} from '../../core/tasks/push-contract.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { Config } from '../../infra/config.ts';
import type { RunTemporal } from '../runs/run-launcher.ts';

/** A task's status as just written (or found written, on a retry of the write). */
export interface TaskStatusChange {
  readonly taskKind: 'job' | 'run';
  readonly taskId: string;
  readonly status: JobStatus;
  /**
   * Names the change uniquely within the task and stays the same when its write is retried; by
   * default the status, enough for every status a task reaches only once.
   */
  readonly seq?: string;
  /**
   * False when this write changed nothing: then only a retried write (`retried`) notifies, and only
   * when the task holds `status` (its first attempt may have written it and died before notifying).
   */
  readonly moved: boolean;
  readonly retried?: boolean;
  readonly message?: string;
}

export interface PushNotifierDeps {
  readonly orm: MikroORM;
  readonly config: Config;
  /** Absent in processes that never start deliveries (only needed once a task has a config). */
  readonly temporal?: RunTemporal | undefined;
}

const TASK_TABLE = { job: 'jobs', run: 'workflow_runs' } as const;

/**
 * Starts one durable delivery (workflow `push:<task>:<config>:<seq>`) per push config of a task whose
 * status changed. A task without configs costs one indexed read; a repeated change starts nothing
 * new, since the workflow id may exist only once.
 */
export class TaskPushNotifier {
  readonly #deps: PushNotifierDeps;

  constructor(deps: PushNotifierDeps) {
    this.#deps = deps;
  }

  async notify(change: TaskStatusChange): Promise<void> {
    if (!change.moved && !change.retried) return;
    const configIds = await this.#configIds(change);
    if (configIds.length === 0) return;
    const { client } = this.#temporal();
    const retry = this.#deps.config.a2aPush;
    const timestamp = new Date().toISOString();
    for (const configId of configIds) {
      const notice: PushNotice = {
        taskKind: change.taskKind,
        taskId: change.taskId,
        configId,
        status: change.status,
        timestamp,
        ...(change.message === undefined ? {} : { message: change.message }),
      };
      const input: PushDeliveryInput = {
        notice,
        retry: {
          timeoutMs: retry.timeoutMs,
          initialIntervalMs: retry.retryInitialMs,
          maximumIntervalMs: retry.retryMaxIntervalMs,
          maximumAttempts: retry.maxAttempts,
        },
      };
      try {
        await client.workflow.start(PUSH_DELIVERY_WORKFLOW, {
          workflowId: pushWorkflowId(change.taskId, configId, change.seq ?? change.status),
          taskQueue: this.#deps.config.temporal.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `push ${change.status} of ${change.taskKind} ${change.taskId}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
  }

  /** The task's config ids; on a retry that moved nothing, only while the task holds the status. */
  async #configIds(change: TaskStatusChange): Promise<string[]> {
    const still = change.moved
      ? ''
      : ` and exists (select 1 from ${TASK_TABLE[change.taskKind]} t where t.id = c.task_id and t.status = ?)`;
    const rows = await this.#deps.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ id: string }>>(
        `select c.id from task_push_configs c where c.task_id = ?${still}`,
        change.moved ? [change.taskId] : [change.taskId, change.status],
      );
    return rows.map((r) => r.id);
  }

  #temporal(): RunTemporal {
    if (!this.#deps.temporal) throw new Error('push notifications need a Temporal client');
    return this.#deps.temporal;
  }
}
