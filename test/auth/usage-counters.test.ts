import supertest from 'supertest';
import { createApp } from '../../http/app.ts';
import { ApiKey } from '../../db/entities/index.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant } from '../helpers/tenant.ts';
import { openCountingOrm } from './support/counting-orm.ts';

describe('usage counters', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it('stores K requests as a total of K with far fewer than K database writes, none lost on close', async () => {
    const K = 300;
    const [one, two] = [await createTenant(h), await createTenant(h)];
    const counting = await openCountingOrm();
    const api = createApp({
      services: { ...h.services, orm: counting.orm },
      metrics: createHttpMetrics('test'),
    });
    const http = supertest.agent(api.koa.callback());
    const started = new Date();
    for (let i = 0; i < K; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          http.get('/api/v1/agents').set('X-API-Key', j % 3 === 0 ? two.key : one.key),
        ),
      );
    }
    await api.close();
    const writes = counting.count(/update api_keys/);
    await counting.close();

    const em = h.services.orm.em.fork();
    const [a, b] = [
      await em.findOneOrFail(ApiKey, one.apiKeyId),
      await em.findOneOrFail(ApiKey, two.apiKeyId),
    ];
    expect(Number(a.totalRequests) + Number(b.totalRequests)).toBe(K);
    expect(Number(b.totalRequests)).toBe((K / 10) * 4);
    expect(a.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(5);
  });
});
