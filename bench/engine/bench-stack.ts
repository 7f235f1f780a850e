import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pg from 'pg';
import { createApiKey } from '../../domain/keys/api-keys.service.ts';
import { startApiServer, type ApiServer } from '../../http/server.ts';
import { User, Workspace } from '../../db/entities/index.ts';
import { createScratchDatabase, dropScratchDatabase, LOCAL_ADMIN_URL } from '../../db/scratch-database.ts';
import { loadConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { openServices, type Services } from '../../infra/services.ts';
import { startDevServer } from '../../infra/temporal-dev-server.ts';
import { BASELINE_TABLES_SQL } from './baseline.activities.ts';

const BENCH_PEPPER = 'bench-pepper-0123456789abcdef0123456789abcdef';
const WORKER_SCRIPT = fileURLToPath(new URL('./bench-worker.ts', import.meta.url));
/** Keys are rate limited to 600/min each: the bench rotates through enough for its throughput round. */
const KEY_COUNT = 64;
/**
 * Requests in a row on one key before the next. A client sends its key again and again, so the API
 * finds it in its key cache (KEY_CACHE_TTL_MS, 1 s); switching key on every request would bring each
 * of the 64 back only after a second or more, a key lookup in Postgres on every sequential request
 * that no client of one key pays. 50 in a row still keeps every key far below its 600/min.
 */
const REQUESTS_PER_KEY = 50;
const DAGEN_CLI = fileURLToPath(new URL('../../bin/dagen.js', import.meta.url));

export interface ApiProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface BenchStack {
  readonly services: Services;
  readonly apiUrl: string;
  readonly taskQueue: string;
  readonly workspaceId: string;
  /** The worker process (its RSS is part of what a benchmark reports). */
  readonly workerPid: number;
  /** The bench's keys in turn, REQUESTS_PER_KEY requests each. */
  nextKey(): string;
  /** Starts `dagen api` as a process of its own against the same database, Temporal and Redis. */
  spawnApi(): Promise<ApiProcess>;
  close(): Promise<void>;
}

export interface BenchStackOptions {
  /** Settings for the API and the worker alike beyond the stack's own (e.g. DAGEN_MODEL_PROVIDERS). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Everything the benchmarks run against, as in production but on one machine: a Temporal dev
 * server (or TEMPORAL_ADDRESS), a fresh migrated database, the real API on a real port with real
 * keys (scopes agents and workflows), and one worker process serving dagen's workflows and the
 * baselines on the same task queue.
 */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cleanups: (() => Promise<void>)[] = [];
  const server = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, namespace: 'default' });
  if (server) cleanups.unshift(() => server.stop());
  const databaseUrl = await createDatabase(cleanups);
  await withClient(databaseUrl, (db) => db.query(BASELINE_TABLES_SQL));
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
    ...options.env,
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
      scopes: ['agents', 'workflows'],
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
    workerPid: worker.pid,
    nextKey: () => keys[Math.floor(turn++ / REQUESTS_PER_KEY) % keys.length]!,
    async spawnApi() {
      const api = await spawnApiProcess({ ...process.env, ...env, PORT: String(await freePort()) });
      cleanups.unshift(() => api.stop());
      return api;
    },
    async close() {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

/** Starts bench-worker.ts as a child process and resolves once it polls its task queue. */
async function spawnWorker(env: NodeJS.ProcessEnv): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) if (line === 'ready') break;
  if (child.exitCode !== null) throw new Error(`bench worker exited with ${child.exitCode}`);
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `node bin/dagen.js api` and resolves once it answers /healthz. */
async function spawnApiProcess(env: NodeJS.ProcessEnv): Promise<ApiProcess> {
  const child = spawn(process.execPath, [DAGEN_CLI, 'api'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${env.PORT}`;
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null) throw new Error(`dagen api exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('dagen api did not answer /healthz within 60 s');
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return stopped;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function withClient(url: string, fn: (db: pg.Client) => Promise<unknown>): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await fn(db);
  } finally {
    await db.end();
  }
}

async function createDatabase(cleanups: (() => Promise<void>)[]): Promise<string> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? LOCAL_ADMIN_URL;
  const db = await createScratchDatabase(adminUrl, 'dagen_bench');
  cleanups.push(() => dropScratchDatabase(adminUrl, db.name));
  return db.url;
}
