import { Agent } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

async function listNames(h: Harness, t: Tenant): Promise<string[]> {
  const res = await h.http.get('/api/v1/agents').set('X-API-Key', t.key);
  expect(res.status).toBe(200);
  return (res.body.agents as { name: string; type: string }[])
    .filter((a) => a.type === 'custom')
    .map((a) => a.name);
}

async function addAgent(h: Harness, t: Tenant, name: string): Promise<void> {
  const em = h.services.orm.em.fork();
  em.create(Agent, { workspaceId: t.workspaceId, name });
  await em.flush();
}

describe('agent listing cache', () => {
  it('shows a new custom agent once the short cache expires, and never another workspace’s', async () => {
    const h = await startHarness({ worker: false, env: { AGENT_LIST_CACHE_MS: '300' } });
    try {
      const [a, b] = [await createTenant(h), await createTenant(h)];
      expect(await listNames(h, a)).toEqual([]);
      await addAgent(h, a, 'reviewer');
      await addAgent(h, b, 'other-workspace-agent');
      // Within the TTL the cached listing may still be served; after it, the new agent must appear.
      await new Promise((r) => setTimeout(r, 350));
      expect(await listNames(h, a)).toEqual(['reviewer']);
      expect(await listNames(h, b)).toEqual(['other-workspace-agent']);
    } finally {
      await h.close();
    }
  });

  it('reads the database on every request when the cache is off', async () => {
    const h = await startHarness({ worker: false, env: { AGENT_LIST_CACHE_MS: '0' } });
    try {
      const t = await createTenant(h);
      expect(await listNames(h, t)).toEqual([]);
      await addAgent(h, t, 'fresh');
      expect(await listNames(h, t)).toEqual(['fresh']);
    } finally {
      await h.close();
    }
  });
});
