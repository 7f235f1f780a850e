import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { MemorySlidingWindow } from '../../domain/keys/rate-limit/memory-sliding-window.ts';
import { RedisSlidingWindow } from '../../domain/keys/rate-limit/redis-sliding-window.ts';
import { createLogger } from '../../infra/logger.ts';
import { openRedis, waitUntilReady } from '../../infra/redis.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant } from '../helpers/tenant.ts';
import { captureLog } from './support/log-capture.ts';
import { privateRedis } from './support/private-redis.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rate limiter', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it('admits N requests, refuses N+1 with the exact 429 body, and sends limit headers', async () => {
    const t = await createTenant(h, { rateLimitPerMinute: 5 });
    for (let i = 0; i < 5; i++) {
      const ok = await h.http.get('/api/v1/agents').set('X-API-Key', t.key);
      expect(ok.status).toBe(200);
      expect(ok.headers['ratelimit-limit']).toBe('5');
      expect(ok.headers['ratelimit-remaining']).toBe(String(4 - i));
      expect(Number(ok.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    }
    const refused = await h.http.get('/api/v1/agents').set('X-API-Key', t.key);
    expect(refused.status).toBe(429);
    expect(Object.keys(refused.body).sort()).toEqual(['error', 'retry_after_seconds']);
    expect(refused.body.error).toBe('Rate limit exceeded');
    expect(refused.body.retry_after_seconds).toBeGreaterThanOrEqual(1);
    expect(refused.body.retry_after_seconds).toBeLessThanOrEqual(60);
    expect(refused.headers['retry-after']).toBe(String(refused.body.retry_after_seconds));
    expect(refused.headers['ratelimit-remaining']).toBe('0');
  });

  it('does not charge requests refused with 401 or 403', async () => {
    const t = await createTenant(h, { scopes: ['agents'], rateLimitPerMinute: 3 });
    for (let i = 0; i < 5; i++) {
      expect((await h.http.get('/api/v1/workflows').set('X-API-Key', t.key)).status).toBe(403);
    }
    for (let i = 0; i < 3; i++)
      expect((await h.http.get('/api/v1/agents').set('X-API-Key', t.key)).status).toBe(200);
    expect((await h.http.get('/api/v1/agents').set('X-API-Key', t.key)).status).toBe(429);
  });

  describe('a burst at the window edge does not pass twice', () => {
    it('in memory (controlled clock)', () => {
      let now = 0;
      const w = new MemorySlidingWindow(60_000, () => now);
      const admitted = (n: number) =>
        Array.from({ length: n }, () => w.hitSync('k', 10)).filter((d) => d.allowed).length;
      now = 59_000;
      expect(admitted(10)).toBe(10); // burst at the end of one minute...
      now = 60_500;
      expect(admitted(10)).toBe(0); // ...and right after it: a fixed window would admit 10 more here
      now = 119_001;
      expect(admitted(10)).toBe(10); // once the first burst is 60 s old, the slots are free again
      expect(w.hitSync('k', 10).resetSeconds).toBe(60);
    });

    it('in Redis (Redis clock, 1 s window)', async () => {
      const w = new RedisSlidingWindow(h.services.redis!, 1000);
      const key = `edge-${randomUUID()}`;
      const burst = async () =>
        (await Promise.all(Array.from({ length: 10 }, () => w.hit(key, 10)))).filter((d) => d.allowed).length;
      expect(await burst()).toBe(10);
      await sleep(600);
      expect(await burst()).toBe(0);
      await sleep(600);
      expect(await burst()).toBe(10);
    });
  });

  it('hits on several keys sent in one batch each get their own key and limit', async () => {
    const w = new RedisSlidingWindow(h.services.redis!, 60_000);
    const a = `batch-a-${randomUUID()}`;
    const b = `batch-b-${randomUUID()}`;
    // Issued in the same turn, so they go to Redis as one pipeline.
    const decisions = await Promise.all([w.hit(a, 2), w.hit(b, 1), w.hit(a, 2), w.hit(b, 1), w.hit(a, 2)]);
    expect(decisions.map((d) => [d.allowed, d.remaining, d.limit])).toEqual([
      [true, 1, 2],
      [true, 0, 1],
      [true, 0, 2],
      [false, 0, 1],
      [false, 0, 2],
    ]);
    expect(decisions.every((d) => d.resetSeconds >= 1 && d.resetSeconds <= 60)).toBe(true);
  });

  it('2 × limit concurrent hits from 4 processes on one Redis admit exactly the limit', async () => {
    const limit = 50;
    const key = `multi-${randomUUID()}`;
    const script = path.join(import.meta.dirname, 'support', 'limiter-client.ts');
    const startAt = String(Date.now() + 1500);
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, [
          script,
          process.env.REDIS_URL!,
          key,
          String(limit),
          String((2 * limit) / 4),
          startAt,
        ]),
      ),
    );
    const results = outputs.map((o) => JSON.parse(o.stdout) as { admitted: number; degraded: boolean });
    expect(results.every((r) => !r.degraded)).toBe(true);
    expect(results.reduce((sum, r) => sum + r.admitted, 0)).toBe(limit);
  });

  it('keeps serving with per-process windows while Redis is down, warns once, and recovers', async () => {
    const redis = await privateRedis();
    await redis.start();
    const captured = captureLog();
    const p = await startHarness({ worker: false, env: { REDIS_URL: redis.url }, log: captured.log });
    try {
      const t = await createTenant(p, { rateLimitPerMinute: 600 });
      const get = () => p.http.get('/api/v1/agents').set('X-API-Key', t.key);
      expect((await get()).status).toBe(200);
      const probe = openRedis(redis.url, createLogger('silent'));
      await waitUntilReady(probe, 2000);
      expect(await probe.zcard(`dagen:ratelimit:${t.apiKeyId}`)).toBe(1);
      probe.disconnect();

      await redis.stop();
      for (let i = 0; i < 5; i++) {
        const res = await get();
        expect(res.status).toBe(200);
        expect(res.headers['ratelimit-limit']).toBe('600');
      }
      expect(captured.messages('falling back to per-process windows')).toHaveLength(1);

      await redis.start();
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        expect((await get()).status).toBe(200);
        recovered = captured.messages('Redis is back').length > 0;
        if (!recovered) await sleep(100);
      }
      expect(recovered).toBe(true);
      const after = openRedis(redis.url, createLogger('silent'));
      await waitUntilReady(after, 2000);
      // The fresh server has only the hits counted since recovery: the window is shared again.
      expect(await after.zcard(`dagen:ratelimit:${t.apiKeyId}`)).toBeGreaterThanOrEqual(1);
      after.disconnect();
      expect(captured.messages('falling back to per-process windows')).toHaveLength(1);
    } finally {
      await p.close();
      await redis.stop();
    }
  });
});
