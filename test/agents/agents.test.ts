import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { builtinAgent } from '../../core/builtin-agents.ts';
import { AppError } from '../../core/errors.ts';
import { Agent, AgentVersion } from '../../db/entities/index.ts';
import { AgentRegistry } from '../../domain/agents/agent-registry.ts';
import { applyAgent, listAgents } from '../../domain/agents/agents.service.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant } from '../helpers/tenant.ts';

const exec = promisify(execFile);

/** One configured provider besides `local`; nothing listens there, nothing here calls a model. */
const PROVIDERS = JSON.stringify({
  openai: { protocol: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-test-not-real' },
});

const REVIEWER = {
  name: 'pr-reviewer',
  description: 'Reviews pull requests.',
  model: 'openai/gpt-4o-mini',
  system_prompt: 'Review the diff.',
  tools: ['http_fetch'],
  mcp_servers: [
    {
      name: 'github',
      url: 'https://mcp.example.test/mcp',
      headers: { Authorization: '{{ secrets.GH_TOKEN }}' },
    },
  ],
  max_steps: 4,
  temperature: 0.1,
};

describe('custom agents: apply by name with versions, and the listing', () => {
  let h: Harness;
  let registry: AgentRegistry;
  beforeAll(async () => {
    h = await startHarness({ worker: false, env: { DAGEN_MODEL_PROVIDERS: PROVIDERS } });
    registry = new AgentRegistry(h.services.orm, h.config.models);
  });
  afterAll(async () => {
    await h.close();
  });

  const em = () => h.services.orm.em.fork();
  const apply = (workspaceId: string, doc: unknown) => applyAgent(em(), h.config.models, workspaceId, doc);
  const applyError = async (doc: unknown): Promise<string> => {
    const t = await createTenant(h);
    const err = await apply(t.workspaceId, doc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect(await em().count(Agent, { workspaceId: t.workspaceId })).toBe(0);
    return (err as AppError).message;
  };

  it('creates v1, keeps v1 for the same file, saves v2 for a changed one; v1 stays resolvable', async () => {
    const t = await createTenant(h);
    const first = await apply(t.workspaceId, REVIEWER);
    expect(first).toMatchObject({ version: 1, created: true, changed: true });
    // Same content, keys in another order: nothing new.
    const reordered = Object.fromEntries(Object.entries(REVIEWER).reverse());
    expect(await apply(t.workspaceId, reordered)).toEqual({ ...first, created: false, changed: false });
    const second = await apply(t.workspaceId, { ...REVIEWER, system_prompt: 'Review the diff strictly.' });
    expect(second).toEqual({ id: first.id, name: 'pr-reviewer', version: 2, created: false, changed: true });

    expect(await em().count(AgentVersion, { agentId: first.id })).toBe(2);
    const head = await em().findOneOrFail(Agent, first.id);
    expect(head).toMatchObject({
      currentVersion: 2,
      modelId: 'openai/gpt-4o-mini',
      systemPrompt: 'Review the diff strictly.',
    });

    const current = await registry.resolve(t.workspaceId, first.id);
    expect(current).toEqual({
      id: first.id,
      type: 'custom',
      version: 2,
      name: 'pr-reviewer',
      description: 'Reviews pull requests.',
      model: 'openai/gpt-4o-mini',
      systemPrompt: 'Review the diff strictly.',
      tools: ['http_fetch'],
      mcpServers: [
        {
          name: 'github',
          url: 'https://mcp.example.test/mcp',
          headers: { Authorization: '{{ secrets.GH_TOKEN }}' },
        },
      ],
      maxSteps: 4,
      temperature: 0.1,
    });
    const pinned = await registry.resolvePinned(t.workspaceId, first.id, 1);
    expect(pinned).toMatchObject({ version: 1, systemPrompt: 'Review the diff.' });
    expect(await registry.resolvePinned(t.workspaceId, first.id, 3)).toBeUndefined();
  });

  it('fills defaults: no model (the deployment default), no tools, DEFAULT_MAX_STEPS, no temperature', async () => {
    const t = await createTenant(h);
    const { id } = await apply(t.workspaceId, { name: 'plain' });
    expect(await registry.resolve(t.workspaceId, id)).toMatchObject({
      model: null,
      description: '',
      systemPrompt: '',
      tools: [],
      mcpServers: [],
      maxSteps: 8,
      temperature: null,
    });
  });

  it('resolves builtins everywhere, a custom agent only in its own workspace, and never a non-uuid', async () => {
    const [a, b] = [await createTenant(h), await createTenant(h)];
    const { id } = await apply(a.workspaceId, { name: 'mine' });
    expect(await registry.resolve(b.workspaceId, id)).toBeUndefined();
    expect(await registry.resolvePinned(b.workspaceId, id, 1)).toBeUndefined();
    expect(await registry.resolve(a.workspaceId, 'not-a-uuid')).toBeUndefined();
    expect(await registry.resolve(a.workspaceId, 'builtin:nope')).toBeUndefined();
    const reviewer = await registry.resolve(b.workspaceId, 'builtin:code-reviewer');
    expect(reviewer).toMatchObject({ type: 'builtin', version: null, model: null, tools: [] });
    expect((await registry.resolve(b.workspaceId, 'builtin:assistant'))?.tools).toEqual([
      'current_time',
      'http_fetch',
      'request_input',
    ]);
  });

  it('refuses bad files with one clear line naming each problem, and saves nothing', async () => {
    expect(await applyError({ ...REVIEWER, tools: ['shell'] })).toMatch(
      /^Agent file is invalid: tools\.0: must be one of http_fetch, run_workflow, current_time, request_input$/,
    );
    expect(await applyError({ ...REVIEWER, model: 'anthropic/claude-3' })).toBe(
      'Agent file is invalid: model: provider "anthropic" is not configured; choose one of: local, openai',
    );
    expect(await applyError({ ...REVIEWER, model: 'gpt-4o' })).toMatch(/model: must be <provider>\/<model>/);
    const badSecret = await applyError({
      name: 'x',
      mcp_servers: [
        { name: 'gh', url: 'https://mcp.example.test', headers: { Authorization: 'Bearer {{ secrets.T }}' } },
      ],
    });
    expect(badSecret).toMatch(
      /mcp_servers\.0\.headers\.Authorization: a secret must be the whole value, written exactly \{\{ secrets\.NAME \}\}/,
    );
    expect(
      await applyError({ name: 'x', mcp_servers: [{ name: 'Bad Name', url: 'ftp://mcp.example.test' }] }),
    ).toMatch(/mcp_servers\.0\.name: .*; mcp_servers\.0\.url: must be an http or https URL/);
    expect(await applyError({ name: 'x', max_steps: 51, temperature: 3 })).toMatch(
      /max_steps: .*; temperature: /,
    );
    expect(await applyError({ name: ' ', extra: 1 })).toMatch(/name: must not be empty.*extra/);
    expect(await applyError([])).toMatch(/^Agent file is invalid: /);
  });

  it('lists builtins with the model they use, then only this workspace’s custom agents', async () => {
    const [a, b] = [await createTenant(h), await createTenant(h)];
    const { id } = await apply(a.workspaceId, REVIEWER);
    await apply(b.workspaceId, { name: 'elsewhere' });
    const res = await h.http.get('/api/v1/agents').set('X-API-Key', a.key);
    expect(res.status).toBe(200);
    expect(res.body.workspace_id).toBe(a.workspaceId);
    const agents = res.body.agents as { id: string; type: string; description: string; model: string }[];
    expect(agents.map((x) => x.id)).toEqual([
      'builtin:assistant',
      'builtin:summarizer',
      'builtin:code-reviewer',
      'builtin:conformance',
      id,
    ]);
    expect(agents[0]).toMatchObject({ type: 'builtin', model: 'local/smollm2-135m-instruct', version: null });
    expect(agents[0]!.description).toMatch(
      /\. Uses local\/smollm2-135m-instruct, the small offline model \(weak answers; configure a provider, see README\)\.$/,
    );
    // The conformance agent calls no model: its description names none.
    expect(agents[3]!.description).toBe(builtinAgent('builtin:conformance')!.description);
    expect(agents[4]).toEqual({
      id,
      name: 'pr-reviewer',
      description: 'Reviews pull requests. Uses openai/gpt-4o-mini.',
      type: 'custom',
      model: 'openai/gpt-4o-mini',
      version: 1,
    });
    // With a hosted default model, builtins say so plainly.
    const hosted = await listAgents(
      em(),
      { ...h.config.models, defaultModel: 'openai/gpt-4o-mini' },
      b.workspaceId,
    );
    expect(hosted[2]!.description).toBe(
      'Reviews a diff or code snippet and points out bugs, risks and style issues. Uses openai/gpt-4o-mini.',
    );
    expect(hosted.map((x) => x.name)).toEqual([
      'Assistant',
      'Summarizer',
      'Code reviewer',
      'Conformance',
      'elsewhere',
    ]);
  });

  it('CLI: agents apply (create, unchanged, new version, bad file) and list, with --json', async () => {
    const t = await createTenant(h);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dagen-agent-'));
    const file = path.join(dir, 'agent.json');
    const cli = (...args: string[]) =>
      exec(process.execPath, ['bin/dagen.js', ...args, '--json'], {
        env: { ...process.env, LOG_LEVEL: 'silent', DAGEN_MODEL_PROVIDERS: PROVIDERS },
      });
    const applyFile = async (doc: unknown) => {
      writeFileSync(file, JSON.stringify(doc));
      return JSON.parse(
        (await cli('agents', 'apply', '--workspace', t.workspaceId, '--file', file)).stdout,
      ) as {
        id: string;
        version: number;
        changed: boolean;
      };
    };
    const first = await applyFile(REVIEWER);
    expect(first).toEqual({ id: expect.any(String), name: 'pr-reviewer', version: 1, changed: true });
    expect(await applyFile(REVIEWER)).toEqual({ ...first, changed: false });
    expect(await applyFile({ ...REVIEWER, max_steps: 5 })).toEqual({ ...first, version: 2, changed: true });

    const listed = JSON.parse((await cli('agents', 'list', '--workspace', t.workspaceId)).stdout) as {
      agents: { id: string; version: number | null }[];
    };
    expect(listed.agents.map((a) => [a.id, a.version])).toEqual([
      ['builtin:assistant', null],
      ['builtin:summarizer', null],
      ['builtin:code-reviewer', null],
      ['builtin:conformance', null],
      [first.id, 2],
    ]);

    writeFileSync(file, JSON.stringify({ ...REVIEWER, model: 'nowhere/m' }));
    const failed = (await cli('agents', 'apply', '--workspace', t.workspaceId, '--file', file).catch(
      (e: unknown) => e,
    )) as { code: number; stdout: string };
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error).toBe(
      'Agent file is invalid: model: provider "nowhere" is not configured; choose one of: local, openai',
    );
  });
});
