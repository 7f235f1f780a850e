import path from 'node:path';
import { startApiServer } from '../../http/server.ts';
import { migrate, openOrm } from '../../db/orm.ts';
import { startChildReaper, type ChildReaper } from '../../infra/child-reaper.ts';
import { withOverrides, type Config } from '../../infra/config.ts';
import {
  readRuntimeInfo,
  resolvePepper,
  resolveSecretsKey,
  writeRuntimeInfo,
  type RuntimeInfo,
} from '../../infra/data-dir.ts';
import { startEmbeddedPostgres } from '../../infra/embedded-postgres.ts';
import type { Logger } from '../../infra/logger.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { ensureReconcilerSchedule } from '../../infra/reconciler-schedule.ts';
import { registerSearchAttributes } from '../../infra/search-attributes-setup.ts';
import { openServices } from '../../infra/services.ts';
import { untilSignal } from '../../infra/shutdown.ts';
import { startDevServer } from '../../infra/temporal-dev-server.ts';
import { installTemporalRuntime } from '../../infra/temporal-runtime.ts';
import { bundleWorkflows } from '../../worker/bundle.ts';
import { startWorker } from '../../worker/worker.ts';
import type { Command } from '../command.ts';
import { bootstrapDemo, type DemoBootstrap } from '../demo-bootstrap.ts';
import { renderStartBanner } from '../start-banner.ts';
import { StopStack } from '../stop-stack.ts';

/**
 * `dagen start`: the whole product on one machine. A Temporal dev server (persisted in the data dir,
 * with its UI) unless TEMPORAL_ADDRESS is set, embedded Postgres unless DATABASE_URL is set, Redis
 * only when REDIS_URL is set, then migrations, a worker and the API in this process. The first start
 * creates a demo workspace and prints its key once. Ctrl-C stops everything it started within
 * SHUTDOWN_GRACE_MS; the Temporal and Postgres processes are also watched by a child reaper, so they
 * stop even when this process is killed outright.
 */
export const startCommand: Command = {
  name: 'start',
  summary: 'Run everything on this machine: Temporal dev server + UI, embedded Postgres, worker and API',
  async run({ config, log }) {
    refuseSecondStart(config.dataDir);
    const stack = new StopStack(log);
    const stopped = untilSignal(log, () => stack.stopAll(), {
      graceMs: config.shutdownGraceMs,
      pending: () => stack.pending(),
    });
    const reaper = startChildReaper();
    let up: { runtime: RuntimeInfo; demo: DemoBootstrap | undefined; workerDone: Promise<void> };
    try {
      up = await bringUp(config, log, stack, reaper);
    } catch (err) {
      await stack.stopAll();
      throw err;
    }
    console.log(renderStartBanner({ config, runtime: up.runtime, demo: up.demo }));
    const crashed = up.workerDone.then(
      () => undefined,
      (err: unknown) => err,
    );
    const outcome = await Promise.race([stopped.then(() => undefined), crashed]);
    await stack.stopAll();
    if (outcome !== undefined) throw outcome;
    return undefined;
  },
};

/** Starts every component, registering each on the stack as soon as it is up. */
async function bringUp(config: Config, log: Logger, stack: StopStack, reaper: ChildReaper) {
  const keyPepper = resolvePepper(config, { create: true });
  const secretsKey = resolveSecretsKey(config, { create: true });
  // The SDK runtime must exist before anything native: the dev server is started through it too.
  const temporalMetricsUrl = await installTemporalRuntime(config.logLevel);
  const bundle = bundleWorkflows();
  const [temporal, database] = await settleAll([
    startTemporal(config, stack, reaper),
    config.databaseUrl
      ? Promise.resolve(config.databaseUrl)
      : startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, log }).then(
          async (pg) => {
            if (pg.process) reaper.watch(pg.process);
            await stack.add('embedded postgres', () => pg.stop());
            return pg.databaseUrl;
          },
        ),
    bundle.then(() => undefined),
  ]);
  const effective = withOverrides(config, {
    keyPepper,
    secretsKey,
    databaseUrl: database,
    temporal: { ...config.temporal, address: temporal.address },
  });
  // With its own Postgres and Temporal nothing outside this process can run its jobs or serve its
  // callers, so (without Redis) the worker's live events reach the API in memory.
  const eventsInProcess = !config.databaseUrl && !config.temporal.address;
  const services = await openServices(effective, log, { eventsInProcess });
  await stack.add('connections', () => services.close());
  const applied = await migrate(services.orm);
  if (applied.length) log.info({ applied }, 'migrations applied');
  // The dev server registers them at start; a cluster of the user's own may not have them yet.
  if (config.temporal.address) {
    await registerSearchAttributes(services.temporal.connection, config.temporal.namespace);
  }
  await ensureReconcilerSchedule(services.temporal.client, config.temporal.taskQueue);
  const demo = await bootstrapDemo(services.orm, keyPepper);
  // A pool of its own, as a separate worker process has: a burst of agent turns then cannot starve
  // the API's reads (a chat's answer waits for a connection like any query).
  const workerOrm = await openOrm(database);
  await stack.add('worker database pool', () => workerOrm.close());
  const worker = await startWorker({
    config: effective,
    orm: workerOrm,
    log,
    events: services.events,
    workflowBundle: await bundle,
  });
  await stack.add('worker', () => worker.stop());
  const api = await startApiServer(services, createHttpMetrics('api'), temporalMetricsUrl);
  await stack.add('api server', () => api.close());
  const runtime: RuntimeInfo = {
    pid: process.pid,
    databaseUrl: database,
    temporalAddress: temporal.address,
    apiUrl: api.url,
    temporalUiUrl: temporal.uiUrl,
  };
  writeRuntimeInfo(config.dataDir, runtime);
  await stack.add('runtime.json', () => writeRuntimeInfo(config.dataDir, undefined));
  return { runtime, demo, workerDone: worker.done };
}

/** The dev server (persisted in the data dir, with its UI), or the cluster at TEMPORAL_ADDRESS. */
async function startTemporal(
  config: Config,
  stack: StopStack,
  reaper: ChildReaper,
): Promise<{ address: string; uiUrl: string | undefined }> {
  if (config.temporal.address) return { address: config.temporal.address, uiUrl: undefined };
  const server = await startDevServer({
    cliPath: config.temporal.cliPath,
    dbFile: path.join(config.dataDir, 'temporal', 'dev.sqlite'),
    namespace: config.temporal.namespace,
    port: config.temporal.devPort,
    uiPort: config.temporal.uiPort,
  });
  if (server.process) reaper.watch(server.process);
  await stack.add('temporal dev server', () => server.stop());
  return server;
}

/** Like Promise.all, but waits for every start to settle so each one is on the stack before a throw. */
async function settleAll<T extends readonly unknown[]>(
  starts: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Two `dagen start` on one data dir would fight over its Postgres and Temporal files. */
function refuseSecondStart(dataDir: string): void {
  const running = readRuntimeInfo(dataDir);
  if (!running?.pid || running.pid === process.pid) return;
  try {
    process.kill(running.pid, 0);
  } catch {
    return; // a stale file from a process that is gone
  }
  throw new Error(`already running on ${dataDir} (pid ${running.pid}, API ${running.apiUrl})`);
}
