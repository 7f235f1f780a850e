import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import type { MikroORM } from '../db/orm.ts';
import type { Config } from '../infra/config.ts';
import type { LiveEvents } from '../infra/events/live-events.ts';
import type { Logger } from '../infra/logger.ts';
import { bundleWorkflows } from './bundle.ts';

const HEARTBEAT_THROTTLE = '1 second';

export interface WorkerDeps {
  config: Config;
  orm: MikroORM;
  log: Logger;
  /** The process's live events (the same instance as its API's when they share the process). */
  events: LiveEvents;
  /** A prebuilt bundle (tests share one); bundled on start when absent. */
  workflowBundle?: WorkflowBundleOption;
  taskQueue?: string;
  /** Activities served beside dagen's own on the same queue (the benchmark's baselines). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
}

export interface RunningWorker {
  readonly worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Creates and starts a worker that serves dagen's workflows and activities on the task queue. */
export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const address = deps.config.temporal.address ?? '127.0.0.1:7233';
  const connection = await NativeConnection.connect({ address });
  // Clients may share the worker's native connection: activities that start runs need no second one.
  const client = new Client({ connection, namespace: deps.config.temporal.namespace });
  const activities = createActivities({
    orm: deps.orm,
    config: deps.config,
    log: deps.log,
    temporal: { connection, client },
    events: deps.events,
  });
  const worker = await Worker.create({
    connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.taskQueue ?? deps.config.temporal.taskQueue,
    workflowBundle: deps.workflowBundle ?? (await bundleWorkflows()),
    activities: { ...activities.activities, ...deps.extraActivities },
    // Within the process's SHUTDOWN_GRACE_MS: in-flight activities get a third of it to finish before
    // they are cancelled, and the worker gives up on them at two thirds, so the rest can still stop.
    shutdownGraceTime: Math.round(deps.config.shutdownGraceMs / 3),
    shutdownForceTime: Math.round((deps.config.shutdownGraceMs * 2) / 3),
    // Activity cancellation only arrives in a heartbeat's answer: send one at least every second
    // so a cancelled run aborts its HTTP calls promptly.
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  });
  const done = worker.run().finally(async () => {
    await activities.close();
    await connection.close();
  });
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
