import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createApiKey } from '../../domain/keys/api-keys.service.ts';
import { startApiServer, type ApiServer } from '../../api/server.ts';
import { User, Workspace } from '../../db/entities/index.ts';
import { createScratchDatabase, dropScratchDatabase, LOCAL_ADMIN_URL } from '../../db/scratch-database.ts';
import { loadConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { openServices, type Services } from '../../infra/services.ts';
import { startDevServer } from '../../infra/temporal-dev-server.ts';

const BENCH_PEPPER = 'bench-pepper-0123456789abcdef0123456789abcdef';
const WORKER_SCRIPT = fileURLToPath(new URL('./bench-worker.ts', import.meta.url));
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
 * keys, and one worker process serving dagen's workflows and the baselines on the same task queue.
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
  const env = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: server?.address ?? process.env.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    DAGEN_KEY_PEPPER: process.env.DAGEN_KEY_PEPPER ?? BENCH_PEPPER,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const config = loadConfig({ ...process.env, ...env });
  const log = createLogger(config.logLevel);
  const services = await openServices(config, log);
  cleanups.unshift(() => services.close());

  const worker = await spawnWorker({ ...process.env, ...env });
  cleanups.unshift(() => worker.stop());

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

/** Starts bench-worker.ts as a child process and resolves once it polls its task queue. */
async function spawnWorker(env: NodeJS.ProcessEnv): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) if (line === 'ready') break;
  if (child.exitCode !== null) throw new Error(`bench worker exited with ${child.exitCode}`);
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function createDatabase(cleanups: (() => Promise<void>)[]): Promise<string> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? LOCAL_ADMIN_URL;
  const db = await createScratchDatabase(adminUrl, 'dagen_bench');
  cleanups.push(() => dropScratchDatabase(adminUrl, db.name));
  return db.url;
}
