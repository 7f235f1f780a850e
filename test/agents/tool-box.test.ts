import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import type { TurnTool } from '../../core/agents/turn-contract.ts';
import { Job, WorkflowRun } from '../../db/entities/index.ts';
import { secretCipher, setSecret } from '../../domain/secrets/secrets.service.ts';
import { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { createToolBox } from '../../activities/tools/tool-box.ts';
import type { ToolBox, ToolContext, ToolOutcome } from '../../activities/tools/tool-box-contract.ts';
import { createWorkflowRunner } from '../../activities/tools/workflow-runner.ts';
import { waitForRunWorkflow } from '../../domain/runs/run-wait.ts';
import { createLogger } from '../../infra/logger.ts';
import { createWorkspace, saveWorkflow } from '../engine/dag-fixtures.ts';
import { startTestServer, type TestServer } from '../engine/http-test-server.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { startMcpStandIn, type McpStandIn } from '../helpers/stand-ins/mcp-server.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { until } from '../helpers/until.ts';

const SECRET = `s3cr3t-${randomUUID()}`;

function outputOf<T>(outcome: ToolOutcome): T {
  if (!outcome.ok) throw new Error(`tool failed: ${outcome.error}`);
  return outcome.output as T;
}

describe('agent tool box: builtins, MCP servers, validation and masking', () => {
  let h: Harness;
  let mcp: McpStandIn;
  let web: TestServer;
  let tenant: Tenant;
  let native: NativeConnection;
  /** Loopback allowlisted (the stand-ins listen there); `guarded` has the default policy. */
  let box: ToolBox;
  let guarded: ToolBox;
  let jobId: string;
  const spec = (over: Partial<AgentSpec> = {}): AgentSpec => ({
    id: randomUUID(),
    type: 'custom',
    version: 1,
    name: 'tester',
    description: '',
    model: null,
    systemPrompt: 'test',
    tools: ['http_fetch', 'run_workflow', 'current_time'],
    mcpServers: [{ name: 'stand', url: mcp.url, headers: { 'x-token': '{{ secrets.MCP_TOKEN }}' } }],
    maxSteps: 4,
    temperature: null,
    ...over,
  });
  const ctx = (over: Partial<ToolContext> = {}): ToolContext => ({
    workspaceId: tenant.workspaceId,
    jobId,
    ownerId: tenant.ownerId,
    apiKeyId: tenant.apiKeyId,
    context: { ticket: 'T-7' },
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    ...over,
  });
  const tool = async (name: string, s = spec()): Promise<TurnTool> => {
    const found = (await box.discover(s, tenant.workspaceId, new AbortController().signal)).find(
      (t) => t.name === name,
    );
    if (!found) throw new Error(`no tool ${name}`);
    return found;
  };
  const outcomes: ToolOutcome[] = [];
  const call = async (t: TurnTool, args: unknown, c = ctx(), s = spec(), b = box) => {
    const outcome = await b.call(t, args, s, c);
    outcomes.push(outcome);
    return outcome;
  };

  beforeAll(async () => {
    mcp = await startMcpStandIn();
    web = await startTestServer();
    h = await startHarness({ env: { DAGEN_SECRETS_KEY: randomBytes(32).toString('base64') } });
    tenant = await createTenant(h);
    const em = h.services.orm.em.fork();
    const cipher = secretCipher(h.config.secretsKey);
    await setSecret(em, cipher, tenant.workspaceId, 'MCP_TOKEN', SECRET);
    const job = em.create(Job, {
      workspaceId: tenant.workspaceId,
      agentId: 'builtin:assistant',
      source: 'external_api',
      apiKeyId: tenant.apiKeyId,
      ownerId: tenant.ownerId,
      model: 'local/smollm2',
      message: 'hi',
    });
    await em.flush();
    jobId = job.id;
    // The worker's way: a Client on a NativeConnection (see worker/worker.ts).
    native = await NativeConnection.connect({ address: h.config.temporal.address ?? '127.0.0.1:7233' });
    const client = new Client({ connection: native, namespace: h.config.temporal.namespace });
    const log = createLogger('silent');
    const runs = createWorkflowRunner({
      orm: h.services.orm,
      config: h.config,
      log,
      temporal: { connection: native, client },
    });
    const deps = { orm: h.services.orm, cipher, log };
    box = createToolBox({ ...deps, policy: new AddressPolicy(['127.0.0.1']), runs });
    guarded = createToolBox({ ...deps, policy: new AddressPolicy([]), runs: undefined });
  });
  afterAll(async () => {
    await box?.close();
    await native?.close();
    await h?.close();
    await mcp?.close();
    await web?.close();
  });

  it('discovers the builtins the agent lists and every tool of its MCP servers', async () => {
    const tools = await box.discover(spec(), tenant.workspaceId, new AbortController().signal);
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['current_time', 'http_fetch', 'run_workflow', 'stand__add', 'stand__fail', 'stand__whoami'].sort(),
    );
    const add = tools.find((t) => t.name === 'stand__add')!;
    expect(add.mcp).toEqual({ server: 'stand', tool: 'add' });
    expect(add.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' } } });
    const builtinsOnly = await box.discover(
      spec({ tools: ['current_time'], mcpServers: [] }),
      tenant.workspaceId,
      new AbortController().signal,
    );
    expect(builtinsOnly.map((t) => t.name)).toEqual(['current_time']);
  });

  it('current_time answers in the asked timezone; a bad one or bad arguments are tool errors', async () => {
    const t = await tool('current_time');
    const before = Date.now();
    const tokyo = await call(t, { timezone: 'Asia/Tokyo' });
    expect(tokyo.ok).toBe(true);
    const out = outputOf<{ iso: string; unix_ms: number; timezone: string }>(tokyo);
    expect(out.iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect(out.unix_ms).toBeGreaterThanOrEqual(before);
    expect(Math.abs(Date.parse(out.iso) - out.unix_ms)).toBeLessThan(1000);
    expect(await call(t, {})).toMatchObject({
      ok: true,
      output: { timezone: 'UTC' },
    });
    expect(await call(t, { timezone: 'Mars/Olympus' })).toEqual({
      ok: false,
      error: expect.stringContaining('Mars/Olympus'),
    });
    const bad = await call(t, { timezone: 5, extra: true });
    expect(bad).toEqual({ ok: false, error: expect.stringContaining('/timezone: must be string') });
    expect((bad as { error: string }).error).toContain('/extra');
  });

  it('http_fetch reaches an allowlisted local server and is refused loopback otherwise', async () => {
    const t = await tool('http_fetch');
    const fetched = await call(t, {
      url: `http://127.0.0.1:${web.port}/echo/1`,
      method: 'POST',
      body: { q: 1 },
    });
    expect(fetched).toMatchObject({ ok: true, output: { status: 200, truncated: false } });
    const output = outputOf<{ headers: Record<string, string>; body: string }>(fetched);
    expect(output.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(output.body)).toMatchObject({ method: 'POST', path: '/echo/1', body: { q: 1 } });
    const hits = web.hits.length;
    const refused = await call(t, { url: `http://127.0.0.1:${web.port}/echo/2` }, ctx(), spec(), guarded);
    expect(refused).toEqual({ ok: false, error: expect.stringContaining('loopback') });
    expect(web.hits.length).toBe(hits);
    expect(await call(t, { method: 'GET' })).toEqual({
      ok: false,
      error: expect.stringContaining("must have required property 'url'"),
    });
  });

  it('calls MCP tools with the header taken from a workspace secret, masking it in every outcome', async () => {
    const add = await tool('stand__add');
    expect(await call(add, { a: 2, b: 3 })).toEqual({ ok: true, output: { sum: 5 } });
    const served = mcp.calls.find((c) => c.tool === 'add')!;
    expect(served.header).toBe(SECRET);
    expect(served.meta).toMatchObject({ dagen: { job_id: jobId, context: { ticket: 'T-7' } } });
    const whoami = await call(await tool('stand__whoami'), {});
    expect(mcp.calls.find((c) => c.tool === 'whoami')!.header).toBe(SECRET);
    expect(whoami).toEqual({ ok: true, output: [{ type: 'text', text: 'token=***' }] });
    expect(await call(add, { a: 'two', b: 3 })).toEqual({
      ok: false,
      error: expect.stringContaining('/a: must be number'),
    });
    expect(await call(await tool('stand__fail'), {})).toEqual({
      ok: false,
      error: 'the stand-in failed on purpose',
    });
  });

  it('fails discovery naming a missing secret, and refuses an MCP server on loopback unless allowlisted', async () => {
    const missing = spec({
      mcpServers: [
        {
          name: 'stand',
          url: mcp.url,
          headers: { authorization: 'Bearer {{ secrets.NOPE }}', 'x-token': '{{ secrets.NOT_SET }}' },
        },
      ],
    });
    await expect(box.discover(missing, tenant.workspaceId, new AbortController().signal)).rejects.toThrow(
      /MCP server 'stand': secret "NOT_SET" is not set in this workspace/,
    );
    await expect(guarded.discover(spec(), tenant.workspaceId, new AbortController().signal)).rejects.toThrow(
      /MCP server 'stand' could not list its tools: refused .*loopback/,
    );
  });

  it('run_workflow runs a workflow of the job workspace and returns its output; others are not found', async () => {
    const wf = await saveWorkflow(h, tenant.workspaceId, {
      nodes: [{ id: 'double', type: 'transform', with: { expression: 'input.n * 2' } }],
    });
    const t = await tool('run_workflow');
    const done = await call(t, { workflow_id: wf.workflowId, input: { n: 21 } });
    expect(done).toMatchObject({
      ok: true,
      output: { status: 'success', output: { double: 42 }, error: null },
    });
    const runId = outputOf<{ run_id: string }>(done).run_id;
    const run = await h.services.orm.em.fork().findOneOrFail(WorkflowRun, runId);
    expect(run.trigger).toEqual({
      source: 'external_api',
      api_key_id: tenant.apiKeyId,
      owner_id: tenant.ownerId,
      job_id: jobId,
    });
    const elsewhere = await saveWorkflow(h, await createWorkspace(h), {
      nodes: [{ id: 'x', type: 'transform', with: { expression: '1' } }],
    });
    expect(await call(t, { workflow_id: elsewhere.workflowId })).toEqual({
      ok: false,
      error: 'workflow not found',
    });
    expect(await call(t, { workflow_id: 'nope' })).toEqual({ ok: false, error: 'workflow not found' });
    expect(await call(t, { input: {} })).toEqual({
      ok: false,
      error: expect.stringContaining('workflow_id'),
    });
  });

  it('run_workflow cancelled with the job cancels its run and rethrows', async () => {
    const wf = await saveWorkflow(h, tenant.workspaceId, {
      nodes: [{ id: 'nap', type: 'delay', with: { seconds: 60 } }],
    });
    const t = await tool('run_workflow');
    const stop = new AbortController();
    let beats = 0;
    const pending = box.call(
      t,
      { workflow_id: wf.workflowId },
      spec(),
      ctx({ signal: stop.signal, heartbeat: () => beats++ }),
    );
    const em = h.services.orm.em.fork();
    // Abort once the run is under way (its row turns running: no event to await from here).
    await until(
      async () => (await em.fork().count(WorkflowRun, { workflowId: wf.workflowId, status: 'running' })) > 0,
    );
    stop.abort(new Error('job cancelled'));
    await expect(pending).rejects.toThrow('job cancelled');
    const run = await em.fork().findOneOrFail(WorkflowRun, { workflowId: wf.workflowId });
    await waitForRunWorkflow(h.services.temporal.client, run.id, 10_000);
    expect((await em.fork().findOneOrFail(WorkflowRun, run.id)).status).toBe('cancelled');
  });

  it('no outcome carried the secret value', () => {
    expect(outcomes.length).toBeGreaterThan(10);
    expect(JSON.stringify(outcomes)).not.toContain(SECRET);
  });
});
