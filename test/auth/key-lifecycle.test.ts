import { createApp } from '../../http/app.ts';
import { revokeApiKey, rotateApiKey } from '../../domain/keys/api-keys.service.ts';
import { publishKeyInvalidation } from '../../domain/keys/key-cache-invalidation.ts';
import { generateKey } from '../../domain/keys/key-format.ts';
import { ApiKey } from '../../db/entities/index.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import supertest from 'supertest';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant } from '../helpers/tenant.ts';
import { openCountingOrm } from './support/counting-orm.ts';

const PROPAGATION_DEADLINE_MS = 2000;

/** Polls until `refused` holds or the deadline passes; returns whether it held in time. */
async function refusedWithin(ms: number, refused: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  do {
    if (await refused()) return true;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return false;
}

const agents = (http: supertest.Agent, key: string) => http.get('/api/v1/agents').set('X-API-Key', key);

describe('key lifecycle: format, expiry, revocation, rotation', () => {
  // A long cache TTL: within 2 s only the Redis invalidation can explain a refusal.
  const longTtl = { KEY_CACHE_TTL_MS: '60000' };
  let h: Harness;
  let other: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: false, env: longTtl });
    other = await startHarness({ worker: false, env: longTtl });
  });
  afterAll(async () => {
    await other.close();
    await h.close();
  });

  it('refuses a malformed or checksum-failing key without touching the database', async () => {
    const counting = await openCountingOrm();
    const api = createApp({
      services: { ...h.services, orm: counting.orm },
      metrics: createHttpMetrics('test'),
    });
    try {
      const http = supertest.agent(api.koa.callback());
      const valid = generateKey();
      const typo = `${valid.slice(0, 10)}${valid[10] === 'x' ? 'y' : 'x'}${valid.slice(11)}`;
      for (const bad of [typo, 'dg_short', `${valid}x`, valid.replace('dg_', 'xx_'), 'sk_live_123']) {
        const res = await agents(http, bad);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'Malformed API key' });
      }
      expect(counting.count(/api_keys/)).toBe(0);
      // A well-formed unknown key costs exactly one indexed lookup, then is answered from the cache.
      expect((await agents(http, valid)).body).toEqual({ error: 'Invalid API key' });
      expect((await agents(http, valid)).status).toBe(401);
      expect(counting.count(/from "?api_keys"?/)).toBe(1);
    } finally {
      await api.close();
      await counting.close();
    }
  });

  it('refuses an expired key with 403', async () => {
    const t = await createTenant(h);
    const em = h.services.orm.em.fork();
    const row = await em.findOneOrFail(ApiKey, t.apiKeyId);
    row.expiresAt = new Date(Date.now() + 1500);
    await em.flush();
    const fresh = await startHarness({ worker: false });
    try {
      expect((await agents(fresh.http, t.key)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      const res = await agents(fresh.http, t.key);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'API key has expired' });
    } finally {
      await fresh.close();
    }
  });

  it('refuses an inactive key with 403', async () => {
    const t = await createTenant(h);
    const em = h.services.orm.em.fork();
    (await em.findOneOrFail(ApiKey, t.apiKeyId)).active = false;
    await em.flush();
    const res = await agents(h.http, t.key);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'API key is inactive' });
  });

  it('revocation reaches another API process through Redis within 2 s despite a 60 s cache TTL', async () => {
    const t = await createTenant(h);
    expect((await agents(h.http, t.key)).status).toBe(200);
    expect((await agents(other.http, t.key)).status).toBe(200);
    await revokeApiKey(h.services.orm.em.fork(), t.apiKeyId);
    expect(await publishKeyInvalidation(h.services.redis, t.apiKeyId)).toBe(true);
    const refused = await refusedWithin(
      PROPAGATION_DEADLINE_MS,
      async () => (await agents(other.http, t.key)).status === 403,
    );
    expect(refused).toBe(true);
    expect((await agents(other.http, t.key)).body).toEqual({ error: 'API key has been revoked' });
    expect((await agents(h.http, t.key)).status).toBe(403);
  });

  it('without Redis the short cache TTL alone applies a revocation within 2 s', async () => {
    const noRedis = await startHarness({ worker: false, env: { REDIS_URL: '', KEY_CACHE_TTL_MS: '1000' } });
    try {
      const t = await createTenant(noRedis);
      expect((await agents(noRedis.http, t.key)).status).toBe(200);
      await revokeApiKey(noRedis.services.orm.em.fork(), t.apiKeyId);
      expect(
        await refusedWithin(
          PROPAGATION_DEADLINE_MS,
          async () => (await agents(noRedis.http, t.key)).status === 403,
        ),
      ).toBe(true);
    } finally {
      await noRedis.close();
    }
  });

  it('rotation with an overlap keeps both keys working, then only the new one', async () => {
    const t = await createTenant(h);
    expect((await agents(other.http, t.key)).status).toBe(200);
    const rotated = await rotateApiKey(h.services.orm.em.fork(), h.config.keyPepper!, t.apiKeyId, 1500);
    await publishKeyInvalidation(h.services.redis, t.apiKeyId);
    expect(rotated.replaces).toBe(t.apiKeyId);
    expect((await agents(other.http, rotated.plaintext)).status).toBe(200);
    expect((await agents(other.http, t.key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const old = await agents(other.http, t.key);
    expect(old.status).toBe(403);
    expect(old.body).toEqual({ error: 'API key was rotated and its overlap window has ended' });
    const fresh = await agents(other.http, rotated.plaintext);
    expect(fresh.status).toBe(200);
    expect(fresh.body.workspace_id).toBe(t.workspaceId);
    await expect(rotateApiKey(h.services.orm.em.fork(), h.config.keyPepper!, t.apiKeyId, 0)).rejects.toThrow(
      /only an active key/,
    );
  });

  it('rotation without an overlap stops the old key at once, in every process', async () => {
    const t = await createTenant(h);
    expect((await agents(other.http, t.key)).status).toBe(200);
    const rotated = await rotateApiKey(h.services.orm.em.fork(), h.config.keyPepper!, t.apiKeyId, 0);
    await publishKeyInvalidation(h.services.redis, t.apiKeyId);
    expect(
      await refusedWithin(
        PROPAGATION_DEADLINE_MS,
        async () => (await agents(other.http, t.key)).status === 403,
      ),
    ).toBe(true);
    expect((await agents(other.http, rotated.plaintext)).status).toBe(200);
  });
});
