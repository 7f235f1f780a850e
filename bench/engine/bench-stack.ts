import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { createApiKey } from '../../api/auth/api-keys.service.ts';
import { startApiServer, type ApiServer } from '../../api/server.ts';
import { User, Workspace } from '../../db/entities/index.ts';
import { migrate, openOrm } from '../../db/orm.ts';
import { loadConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { openServices, type Services } from '../../infra/services.ts';
import { startDevServer } from '../../infra/temporal-dev-server.ts';
import { createBaselineActivities } from './baseline.activities.ts';

const BENCH_PEPPER = 'bench-pepper-0123456789abcdef0123456789abcdef';
const BUNDLE_ENTRY = fileURLToPath(new URL('./bench.workflows.ts', import.meta.url));
/** Keys are rate limited to 600/min each: the bench rotates through several. */
const KEY_COUNT = 8;

export interface BenchStack {
  readonly services: Services;
  readonly apiUrl: string;
  readonly taskQueue: string;
  readonly workspaceId: string;
  /** Round-robin over the bench's keys. */
  nextKey(): string;
  close(): Promise<void>;
}

/**
 * Everything the engine benchmark runs against, as in production but on one machine: a Temporal dev
 * server (or TEMPORAL_ADDRESS), a fresh migrated database, the real API on a real port with real
 * keys, and one worker serving dagen's workflows and the baselines on the same task queue.
 */
export async function startBenchStack(): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cleanups: (() => Promise<void>)[] = [];
  const server = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, namespace: 'default' });
  if (server) cleanups.unshift(() => server.stop());
  const databaseUrl = await createDatabase(cleanups);
  const taskQueue = `bench-${randomUUID()}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: server?.address ?? process.env.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    DAGEN_KEY_PEPPER: process.env.DAGEN_KEY_PEPPER ?? BENCH_PEPPER,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const log = createLogger(config.logLevel);
  const services = await openServices(config, log);
  cleanups.unshift(() => services.close());

  // Built like worker/worker.ts's worker, plus the baselines' activity on the same task queue.
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  const dagen = createActivities({ orm: services.orm, config, log });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: BUNDLE_ENTRY, logger: quiet }),
    activities: { ...dagen.activities, ...createBaselineActivities() },
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run().finally(async () => {
    dagen.close();
    await connection.close();
  });
  cleanups.unshift(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });

  const api: ApiServer = await startApiServer(services, createHttpMetrics('bench'));
  cleanups.unshift(() => api.close());

  const em = services.orm.em.fork();
  const workspace = em.create(Workspace, { name: `bench-${randomUUID()}` });
  const owner = em.create(User, { workspaceId: workspace.id, email: `bench-${randomUUID()}@example.test` });
  await em.flush();
  const keys: string[] = [];
  for (let i = 0; i < KEY_COUNT; i++) {
    const key = await createApiKey(em, config.keyPepper!, {
      workspaceId: workspace.id,
      ownerId: owner.id,
      name: `bench ${i}`,
      scopes: ['workflows'],
      rateLimitPerMinute: 600,
    });
    keys.push(key.plaintext);
  }
  let turn = 0;
  return {
    services,
    apiUrl: api.url,
    taskQueue,
    workspaceId: workspace.id,
    nextKey: () => keys[turn++ % keys.length]!,
    async close() {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

async function createDatabase(cleanups: (() => Promise<void>)[]): Promise<string> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const dbName = `dagen_bench_${process.pid}_${Date.now()}`;
  await adminQuery(adminUrl, `create database "${dbName}"`);
  cleanups.push(() => adminQuery(adminUrl, `drop database if exists "${dbName}" with (force)`));
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const orm = await openOrm(url.toString());
  await migrate(orm);
  await orm.close();
  return url.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
