/**
 * Throughput of GET /api/v1/agents through the whole stack (real app: key check, Redis sliding window,
 * usage counter, Postgres read of the workspace's agents) against a bare Koa JSON route, both served by
 * this process on 127.0.0.1. The load comes from a worker thread (its own event loop) over keep-alive
 * connections, so the client does not steal the servers' CPU time. Keys are spread so none is refused.
 *
 * Needs Postgres and Redis (DATABASE_URL / REDIS_URL, else 127.0.0.1 defaults: a scratch database is
 * created and dropped). Temporal: TEMPORAL_ADDRESS, else a dev server is started for the run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Koa from 'koa';
import Router from '@koa/router';
import { createApp } from '../http/app.ts';
import { createApiKey } from '../domain/keys/api-keys.service.ts';
import { User, Workspace } from '../db/entities/index.ts';
import {
  createScratchDatabase,
  dropScratchDatabase,
  LOCAL_ADMIN_URL,
  migrateDatabase,
} from '../db/scratch-database.ts';
import { loadConfig } from '../infra/config.ts';
import { createLogger } from '../infra/logger.ts';
import { createHttpMetrics } from '../infra/metrics.ts';
import { openServices } from '../infra/services.ts';
import { startDevServer } from '../infra/temporal-dev-server.ts';
import { reportRatio, summarize } from './support/stats.ts';

const KEYS = 150;
const CONCURRENCY = 32;
const WARMUP_MS = 1_000;
const ROUND_MS = 3_000;
const ROUNDS = 3;
const TARGET_RATIO = 0.7;

interface LoadJob {
  readonly url: string;
  readonly keys: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
}

interface LoadResult {
  readonly latencies: number[];
  readonly statuses: Record<string, number>;
  readonly elapsedMs: number;
}

if (!isMainThread) {
  parentPort!.postMessage(await generateLoad(workerData as LoadJob));
} else {
  await main();
}

/** Worker side: `concurrency` loops each sending one request at a time until the time is up. */
async function generateLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const end = started + job.durationMs;
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, lane) => {
      for (let i = lane; performance.now() < end; i += job.concurrency) {
        const t0 = performance.now();
        const status = await get(agent, job.url, job.keys.length ? job.keys[i % job.keys.length] : undefined);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { latencies, statuses, elapsedMs };
}

function get(agent: http.Agent, url: string, key: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: key ? { 'X-API-Key': key } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** Runs a load job in a worker; also measures how busy the servers' (this) event loop was meanwhile. */
async function runLoad(job: LoadJob): Promise<LoadResult & { serverBusyMs: number }> {
  const before = performance.eventLoopUtilization();
  const result = await new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', (r: LoadResult) => resolve(r));
    worker.once('error', reject);
  });
  const elu = performance.eventLoopUtilization(before);
  return { ...result, serverBusyMs: elu.active };
}

async function listen(callback: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(callback);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** DATABASE_URL (migrated) when set, else a scratch database, so the bench never touches real data. */
async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const existing = process.env.DATABASE_URL;
  if (existing) {
    await migrateDatabase(existing);
    return { url: existing, drop: async () => undefined };
  }
  const db = await createScratchDatabase(LOCAL_ADMIN_URL, 'dagen_bench');
  return { url: db.url, drop: () => dropScratchDatabase(LOCAL_ADMIN_URL, db.name) };
}

function describe(label: string, r: LoadResult & { serverBusyMs: number }): { rps: number } {
  const rps = (r.latencies.length / r.elapsedMs) * 1000;
  const s = summarize(r.latencies);
  const busyUs = (r.serverBusyMs * 1000) / r.latencies.length;
  console.log(
    `  ${label.padEnd(14)} ${rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  server loop ${busyUs.toFixed(0)} µs/req  statuses ${JSON.stringify(r.statuses)}`,
  );
  if (Object.keys(r.statuses).some((status) => status !== '200')) {
    throw new Error(`${label}: non-200 answers ${JSON.stringify(r.statuses)}`);
  }
  return { rps };
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const temporal = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, namespace: 'default' });
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
    DAGEN_KEY_PEPPER: process.env.DAGEN_KEY_PEPPER ?? 'bench-pepper-0123456789abcdef0123456789abcdef',
  });
  // The bare route logs nothing: keep the app's per-request info lines out too, so only the work differs.
  const services = await openServices(config, createLogger('warn'));
  const api = createApp({ services, metrics: createHttpMetrics('bench') });
  const bare = new Koa();
  const bareRouter = new Router();
  bareRouter.get('/bare', (ctx) => {
    ctx.body = { ok: true, agents: [] };
  });
  bare.use(bareRouter.routes());
  const servers = [await listen(api.koa.callback()), await listen(bare.callback())];
  try {
    const em = services.orm.em.fork();
    const keys: string[] = [];
    for (let w = 0; w < 4; w++) {
      const ws = em.create(Workspace, { name: `bench-${Date.now()}-${w}` });
      const owner = em.create(User, { workspaceId: ws.id, email: `bench${w}@example.test` });
      await em.flush();
      for (let k = 0; k < KEYS / 4; k++) {
        const created = await createApiKey(em, config.keyPepper!, {
          workspaceId: ws.id,
          ownerId: owner.id,
          name: `bench-${k}`,
          scopes: ['agents'],
          rateLimitPerMinute: 600,
        });
        keys.push(created.plaintext);
      }
    }
    const job = (url: string, withKeys: boolean, durationMs: number): LoadJob => ({
      url,
      keys: withKeys ? keys : [],
      concurrency: CONCURRENCY,
      durationMs,
    });
    const targets = [
      { label: 'bare koa', url: `${servers[1]!.url}/bare`, withKeys: false },
      // The same app without the gate: separates the gate's cost from the app's shared middleware.
      { label: 'app /healthz', url: `${servers[0]!.url}/healthz`, withKeys: false },
      { label: 'GET /agents', url: `${servers[0]!.url}/api/v1/agents`, withKeys: true },
    ];
    console.log(
      `api throughput: ${CONCURRENCY} keep-alive connections, ${KEYS} keys, ${ROUNDS} rounds × ${ROUND_MS} ms per route`,
    );
    for (const t of targets) await runLoad(job(t.url, t.withKeys, WARMUP_MS));
    const totals = targets.map(() => 0);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      for (const [i, t] of targets.entries()) {
        totals[i]! += describe(t.label, await runLoad(job(t.url, t.withKeys, ROUND_MS))).rps;
      }
    }
    const [bareRps, healthRps, agentsRps] = totals.map((t) => t / ROUNDS) as [number, number, number];
    reportRatio(
      'GET /api/v1/agents (full key check + Redis limiter) vs bare Koa, req/s',
      agentsRps,
      bareRps,
      {
        min: TARGET_RATIO,
      },
    );
    reportRatio(
      'GET /api/v1/agents vs the same app without the gate (/healthz), req/s',
      agentsRps,
      healthRps,
    );
  } finally {
    for (const s of servers) {
      s.server.closeAllConnections();
      await new Promise((resolve) => s.server.close(resolve));
    }
    await api.close();
    await services.close();
    await temporal?.stop();
    await db.drop();
  }
}
