// The benchmark's worker, in a process of its own as in production (api and worker apart): dagen's
// workflows and activities plus the hand-written baselines (engine and chat), on TEMPORAL_TASK_QUEUE. Prints `ready`.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openOrm } from '../../db/orm.ts';
import { loadConfig } from '../../infra/config.ts';
import { openLiveEvents } from '../../infra/events/open-live-events.ts';
import { createLogger } from '../../infra/logger.ts';
import { bundleWorkflows } from '../../worker/bundle.ts';
import { startWorker } from '../../worker/worker.ts';
import { createBaselineChatActivities } from '../agents/baseline-chat.activities.ts';
import { createBaselineActivities } from './baseline.activities.ts';

const BUNDLE_ENTRY = fileURLToPath(new URL('./bench.workflows.ts', import.meta.url));

Runtime.install({ logger: new DefaultLogger('WARN') });
const config = loadConfig();
const log = createLogger(config.logLevel);
const orm = await openOrm(config.databaseUrl!);
const events = openLiveEvents({ config, log });
const baselinePool = new pg.Pool({ connectionString: config.databaseUrl!, max: 10 });
const worker = await startWorker({
  config,
  orm,
  log,
  events,
  workflowBundle: await bundleWorkflows(BUNDLE_ENTRY),
  extraActivities: {
    ...createBaselineActivities(baselinePool),
    ...createBaselineChatActivities(config.models),
  },
});
process.once('SIGTERM', () => void worker.stop());
console.log('ready');
await worker.done;
await events.close();
await orm.close();
await baselinePool.end();
