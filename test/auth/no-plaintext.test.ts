import { rotateApiKey } from '../../domain/keys/api-keys.service.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant } from '../helpers/tenant.ts';
import { captureLog, type CapturedLog } from './support/log-capture.ts';

describe('no plaintext key is kept', () => {
  let h: Harness;
  let captured: CapturedLog;
  beforeAll(async () => {
    captured = captureLog();
    h = await startHarness({ worker: false, log: captured.log });
  });
  afterAll(async () => {
    await h.close();
  });

  it('appears in no table and no log line after keys are created, used, refused, rotated and flushed', async () => {
    const keys: string[] = [];
    const t = await createTenant(h, { scopes: ['agents'], rateLimitPerMinute: 2 });
    keys.push(t.key);
    for (let i = 0; i < 3; i++) await h.http.get('/api/v1/agents').set('X-API-Key', t.key); // 200, 200, 429
    await h.http.get('/api/v1/workflows').set('X-API-Key', t.key); // 403
    await h.http.get('/api/v1/agents').set('X-API-Key', `${t.key.slice(0, -2)}zz`); // 401 malformed
    const rotated = await rotateApiKey(h.services.orm.em.fork(), h.config.keyPepper!, t.apiKeyId, 60_000);
    keys.push(rotated.plaintext);
    await h.http.get('/api/v1/agents').set('X-API-Key', rotated.plaintext);
    await h.api.close(); // flush usage counters so the database is in its final state

    expect(captured.messages('request').length).toBeGreaterThanOrEqual(6);
    const logs = captured.text();
    const em = h.services.orm.em.fork();
    const tables = (
      await em.execute<{ tablename: string }[]>(`select tablename from pg_tables where schemaname = 'public'`)
    ).map((r) => r.tablename);
    expect(tables).toContain('api_keys');
    let dump = '';
    for (const table of tables) {
      const rows = await em.execute<{ row: string }[]>(`select t::text as row from "${table}" t`);
      dump += rows.map((r) => r.row).join('\n');
    }
    expect(dump).toContain(t.apiKeyId);
    for (const key of keys) {
      const secret = key.slice(3); // without the public `dg_` prefix
      expect(logs).not.toContain(secret);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(8, 40)); // nor any long fragment of it
    }
  });
});
