import { openOrm } from '../../db/orm.ts';
import { openLiveEvents } from '../../infra/events/open-live-events.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { untilSignal } from '../../infra/shutdown.ts';
import { installTemporalRuntime } from '../../infra/temporal-runtime.ts';
import { startWorker } from '../../worker/worker.ts';
import { startWorkerMetricsServer } from '../../worker/metrics-server.ts';
import { UsageError, type Command } from '../command.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run a worker against TEMPORAL_ADDRESS and DATABASE_URL (any number may run)',
  async run({ config, log }) {
    if (!config.databaseUrl) throw new UsageError('DATABASE_URL is required for dagen worker');
    const temporalMetricsUrl = await installTemporalRuntime(config.logLevel);
    const orm = await openOrm(config.databaseUrl);
    const events = openLiveEvents({ config, log });
    const worker = await startWorker({ config, orm, log, events });
    const metrics = await startWorkerMetricsServer(
      config.host,
      config.metricsPort,
      createHttpMetrics('worker'),
      temporalMetricsUrl,
    );
    log.info({ taskQueue: config.temporal.taskQueue, metricsPort: config.metricsPort }, 'worker running');
    await Promise.race([
      worker.done,
      untilSignal(
        log,
        async () => {
          await worker.stop();
        },
        { graceMs: config.shutdownGraceMs },
      ),
    ]);
    await metrics.close();
    await events.close();
    await orm.close();
    return undefined;
  },
};
