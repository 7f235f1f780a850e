import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { createApp, type ApiApplication } from '../../http/app.ts';
import { openOrm } from '../../db/orm.ts';
import { loadConfig, type Config } from '../../infra/config.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { openServices, type Services } from '../../infra/services.ts';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startWorker, type RunningWorker } from '../../worker/worker.ts';
import { TEST_ENV } from './test-env.ts';

export interface Harness {
  readonly config: Config;
  readonly services: Services;
  readonly api: ApiApplication;
  /** supertest bound to the app's callback (no port). */
  readonly http: supertest.Agent;
  readonly worker: RunningWorker | undefined;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Start a worker on this harness's own task queue (default true). */
  worker?: boolean;
  /** Extra environment overrides, parsed like the real environment. */
  env?: Record<string, string>;
  log?: Logger;
  /**
   * Give the worker a Postgres pool of its own, as a separate worker process has (by default it
   * shares the API's): for tests that load both sides at once.
   */
  ownWorkerPool?: boolean;
}

/**
 * Real services for one test file: Postgres, Temporal and Redis from global setup, the real Koa app,
 * and (by default) a worker on a task queue of its own so test files never steal each other's tasks.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  quietTemporalRuntime();
  const config = loadConfig({
    ...process.env,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    ...options.env,
  });
  const log = options.log ?? createLogger(config.logLevel);
  const services = await openServices(config, log);
  const workerOrm = options.ownWorkerPool ? await openOrm(config.databaseUrl!) : services.orm;
  const worker =
    options.worker === false
      ? undefined
      : await startWorker({
          config,
          orm: workerOrm,
          log,
          events: services.events,
          workflowBundle: { codePath: requiredEnv(TEST_ENV.bundlePath) },
        });
  const api = createApp({ services, metrics: createHttpMetrics('test') });
  return {
    config,
    services,
    api,
    http: supertest.agent(api.koa.callback()),
    worker,
    async close() {
      await api.close();
      await worker?.stop();
      if (workerOrm !== services.orm) await workerOrm.close();
      await services.close();
    },
  };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through npm test`);
  return value;
}

/**
 * Keeps the SDK's per-worker INFO and expected-failure WARN lines out of test output; each test file
 * has its own module registry. Call it before anything else creates the runtime (a dev server does).
 */
export function quietTemporalRuntime(): void {
  if (!Runtime._instance) Runtime.install({ logger: new DefaultLogger('ERROR') });
}
