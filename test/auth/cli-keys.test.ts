import { randomUUID } from 'node:crypto';
import { isWellFormedKey } from '../../domain/keys/key-format.ts';
import { dagenJson as dagen } from '../helpers/dagen-cli.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('dagen workspaces/users/keys CLI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: false, env: { KEY_CACHE_TTL_MS: '60000' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('creates a workspace, a user and a key; lists without secrets; rotates and revokes everywhere', async () => {
    const name = `cli-${randomUUID()}`;
    const ws = await dagen('workspaces', 'create', '--name', name);
    expect(ws.code).toBe(0);
    expect(ws.out.name).toBe(name);
    const user = await dagen('users', 'create', '--email', 'Ops@Example.test', '--workspace', name);
    expect(user.out).toMatchObject({ email: 'ops@example.test', workspace_id: ws.out.id });

    const createKey = (...flags: string[]) =>
      dagen('keys', 'create', '--workspace', name, '--owner', 'ops@example.test', ...flags);
    expect((await createKey('--scopes', 'agents', '--rate-limit', '601')).out.error).toMatch(/from 1 to 600/);
    expect((await createKey('--scopes', 'admin')).out.error).toMatch(/scopes must be/);
    const created = await createKey('--scopes', 'agents,workflows', '--name', 'ci', '--rate-limit', '120');
    expect(created.code).toBe(0);
    const key = String(created.out.key);
    expect(isWellFormedKey(key)).toBe(true);
    expect(created.out).toMatchObject({
      name: 'ci',
      scopes: ['agents', 'workflows'],
      rate_limit_per_minute: 120,
    });
    const agents = () => h.http.get('/api/v1/agents').set('X-API-Key', key);
    expect((await agents()).headers['ratelimit-limit']).toBe('120');

    const listed = await dagen('keys', 'list', '--workspace', String(ws.out.id));
    expect(JSON.stringify(listed.out)).not.toContain(key.slice(3));
    expect(listed.out.keys).toEqual([
      expect.objectContaining({ id: created.out.id, prefix: key.slice(0, 11), status: 'active' }),
    ]);

    const rotated = await dagen('keys', 'rotate', String(created.out.id), '--overlap', '1h');
    expect(rotated.out).toMatchObject({ replaces: created.out.id, invalidation_published: true });
    expect((await agents()).status).toBe(200); // inside the overlap window
    const revoked = await dagen('keys', 'revoke', String(created.out.id));
    expect(revoked.out).toMatchObject({ status: 'revoked', invalidation_published: true });
    // The harness caches keys for 60 s: only the published invalidation can make this 403 this soon.
    let status = 0;
    for (let i = 0; i < 40 && status !== 403; i++) {
      status = (await agents()).status;
      if (status !== 403) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(403);
    expect((await h.http.get('/api/v1/agents').set('X-API-Key', String(rotated.out.key))).status).toBe(200);
    expect((await dagen('keys', 'revoke', randomUUID())).code).toBe(1);
  });
});
