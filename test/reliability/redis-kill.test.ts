import { createLogger } from '../../infra/logger.ts';
import { openRedis, waitUntilReady } from '../../infra/redis.ts';
import { captureLog, type CapturedLog } from '../auth/support/log-capture.ts';
import { privateRedis, type PrivateRedis } from '../auth/support/private-redis.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { startLoad } from './support/request-load.ts';

/** Keys under steady load (default limit, never reached), requests in flight, answers per phase. */
const LOAD = { keys: 4, concurrency: 8, phaseAnswers: 150 } as const;
/** The limit of the keys that probe exactness, and how many requests each API instance sends them. */
const PROBE = { limit: 10, burst: 15 } as const;
const RECONNECT_WAIT_MS = 30_000;
const FALLBACK_MSG = 'falling back to per-process windows';

interface ApiProcess {
  readonly h: Harness;
  readonly captured: CapturedLog;
}

/**
 * Two API instances, each with its own limiter and Redis connections (as two API processes have),
 * under a steady load of requests on several keys, while their Redis is killed and started again.
 */
describe('Redis killed under a steady request load on two API instances', () => {
  let redis: PrivateRedis;
  const apis: ApiProcess[] = [];
  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    for (let i = 0; i < 2; i++) {
      const captured = captureLog();
      const h = await startHarness({ worker: false, env: { REDIS_URL: redis.url }, log: captured.log });
      apis.push({ h, captured });
    }
  });
  afterAll(async () => {
    for (const { h } of apis) await h.close();
    await redis?.stop();
  });

  const get = (api: ApiProcess, t: Tenant) => api.h.http.get('/api/v1/agents').set('X-API-Key', t.key);

  /**
   * A fresh key with PROBE.limit, hit PROBE.burst times at once through each instance: how many each
   * instance admitted. Anything but 200 or 429 fails the test.
   */
  async function probe(): Promise<{ t: Tenant; admitted: number[] }> {
    const t = await createTenant(apis[0]!.h, { rateLimitPerMinute: PROBE.limit });
    const statuses = await Promise.all(
      apis.map((api) =>
        Promise.all(Array.from({ length: PROBE.burst }, () => get(api, t).then((r) => r.status))),
      ),
    );
    expect(statuses.flat().filter((s) => s !== 200 && s !== 429)).toEqual([]);
    return { t, admitted: statuses.map((s) => s.filter((x) => x === 200).length) };
  }

  async function windowSize(t: Tenant): Promise<number> {
    const client = openRedis(redis.url, createLogger('silent'));
    try {
      await waitUntilReady(client, RECONNECT_WAIT_MS);
      return await client.zcard(`dagen:ratelimit:${t.apiKeyId}`);
    } finally {
      client.disconnect();
    }
  }

  it('serves every request, counts per instance while Redis is down, and is exact again once it is back', async () => {
    const keys = await Promise.all(Array.from({ length: LOAD.keys }, () => createTenant(apis[0]!.h)));
    const senders = apis.flatMap((api) => keys.map((t) => () => get(api, t)));
    const load = startLoad(senders, LOAD.concurrency);
    let answers;
    try {
      await load.served(LOAD.phaseAnswers);
      // Shared windows: the probe key admits exactly its limit across both instances.
      expect((await probe()).admitted.reduce((x, y) => x + y)).toBe(PROBE.limit);

      await redis.stop();
      await load.served(LOAD.phaseAnswers);
      for (const { captured } of apis) expect(captured.messages(FALLBACK_MSG)).toHaveLength(1);
      // Per-process windows: each instance admits exactly the limit on its own.
      expect((await probe()).admitted).toEqual([PROBE.limit, PROBE.limit]);

      await redis.start();
      for (const { h } of apis) {
        await waitUntilReady(h.services.redis!, RECONNECT_WAIT_MS);
        expect(h.services.redis!.status).toBe('ready');
      }
      await load.served(LOAD.phaseAnswers);
      for (const { captured } of apis) {
        expect(captured.messages('Redis is back')).toHaveLength(1);
        expect(captured.messages(FALLBACK_MSG)).toHaveLength(1);
      }
      // Exact again: the window is shared through the restarted Redis.
      const back = await probe();
      expect(back.admitted.reduce((x, y) => x + y)).toBe(PROBE.limit);
      expect(await windowSize(back.t)).toBe(PROBE.limit);
    } finally {
      answers = await load.stop();
    }

    // The load's keys were never near their limit: every one of their requests was served.
    expect(answers.length).toBeGreaterThanOrEqual(3 * LOAD.phaseAnswers);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toEqual([]);
  });
});
