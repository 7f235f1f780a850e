// The benchmark's worker, in a process of its own as in production (api and worker apart): dagen's
// workflows and activities plus the hand-written baselines, on TEMPORAL_TASK_QUEUE. Prints `ready`.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { openOrm } from '../../db/orm.ts';
import { loadConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { createBaselineActivities } from './baseline.activities.ts';

const BUNDLE_ENTRY = fileURLToPath(new URL('./bench.workflows.ts', import.meta.url));
const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

Runtime.install({ logger: new DefaultLogger('WARN') });
const config = loadConfig();
const log = createLogger(config.logLevel);
const orm = await openOrm(config.databaseUrl!);
// Built like worker/worker.ts's worker, plus the baselines' activity on the same task queue.
const connection = await NativeConnection.connect({ address: config.temporal.address! });
const dagen = createActivities({ orm, config, log });
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: BUNDLE_ENTRY, logger: quiet }),
  activities: { ...dagen.activities, ...createBaselineActivities() },
  maxHeartbeatThrottleInterval: '1 second',
  defaultHeartbeatThrottleInterval: '1 second',
});
process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
console.log('ready');
await running;
dagen.close();
await connection.close();
await orm.close();
