/**
 * POST /api/v1/agent/chat end to end: the real API, a real worker running the `agentTurn` workflow
 * on Temporal, Postgres records, and stand-in providers speaking the OpenAI-compatible and
 * Anthropic protocols over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { lastUserText } from '../helpers/stand-ins/stand-in-server.ts';
import { until } from '../helpers/until.ts';
import {
  ANTHROPIC_KEY,
  type ChatEnv,
  chatAs,
  expectedCost,
  jobAs,
  latestJobId,
  OPENAI_KEY,
  saveAgent,
  startChatEnv,
  stopChatEnv,
} from './chat-fixtures.ts';

let env: ChatEnv;
let t: Tenant;
let other: Tenant;

beforeAll(async () => {
  env = await startChatEnv();
  t = await createTenant(env.h);
  other = await createTenant(env.h);
});
afterAll(() => stopChatEnv(env));

const chat = (tenant: Tenant, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  chatAs(env.h, tenant, body, headers);
const getJob = (tenant: Tenant, jobId: string) => jobAs(env.h, tenant, jobId);

interface SentMessage {
  role: string;
  content: unknown;
  tool_call_id?: string;
}
const sentMessages = (index: number) => env.openai.requests[index]!.body.messages as SentMessage[];

describe('agent chat', () => {
  it('answers one turn with the model text, a session, the job and its billed usage', async () => {
    env.openai.enqueue({ text: 'Hello from the stand-in', usage: { inputTokens: 1234, outputTokens: 567 } });
    const res = await chat(t, { agent_id: 'builtin:assistant', message: 'Hi there' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      message: 'Hello from the stand-in',
      agent_id: 'builtin:assistant',
      usage: { input_tokens: 1234, output_tokens: 567, cost_micros: expectedCost(1234, 567) },
    });
    expect(res.body.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.duration_ms).toBeGreaterThanOrEqual(0);
    const request = env.openai.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request.body.model).toBe('gpt-test');
    expect(lastUserText(request)).toBe('Hi there');

    const job = await getJob(t, res.body.job_id);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      status: 'success',
      source: 'external_api',
      api_key_id: t.apiKeyId,
      final_message: 'Hello from the stand-in',
      model: 'standin/gpt-test',
    });
    expect(job.body.steps).toHaveLength(1);
    expect(job.body.steps[0]).toMatchObject({ seq: 1, kind: 'model', status: 'success', input_tokens: 1234 });
    const ledger = await env.h.services.orm.em
      .fork()
      .getConnection()
      .execute(`select owner_id, api_key_id, cost_micros from usage_records where job_id = ?`, [
        res.body.job_id,
      ]);
    expect(ledger).toEqual([
      { owner_id: t.ownerId, api_key_id: t.apiKeyId, cost_micros: String(expectedCost(1234, 567)) },
    ]);
  });

  it('makes the turn easy to find and read in the Temporal UI', async () => {
    env.openai.enqueue({ text: 'findable' });
    const res = await chat(t, { agent_id: 'builtin:assistant', message: 'find me' });
    expect(res.status).toBe(200);
    const described = await env.h.services.temporal.client.workflow
      .getHandle(`job:${res.body.job_id}`)
      .describe();
    expect(described.type).toBe('agentTurn');
    expect(described.searchAttributes).toMatchObject({
      DagenWorkspaceId: [t.workspaceId],
      DagenAgentId: ['builtin:assistant'],
      DagenSource: ['external_api'],
      DagenApiKeyId: [t.apiKeyId],
    });
    expect(described.memo).toEqual({ agent_name: 'Assistant', model: 'standin/gpt-test' });
    expect(await described.staticSummary()).toBe('Assistant · standin/gpt-test (external_api)');
  });

  it('continues a session with its history; another workspace or agent cannot use it', async () => {
    env.openai.enqueue({ text: 'Nice to meet you, Ada.' }, { text: 'Your name is Ada.' });
    const first = await chat(t, { agent_id: 'builtin:assistant', message: 'My name is Ada.' });
    expect(first.status).toBe(200);
    const second = await chat(t, {
      agent_id: 'builtin:assistant',
      message: 'What is my name?',
      session_id: first.body.session_id,
    });
    expect(second.status).toBe(200);
    expect(second.body.session_id).toBe(first.body.session_id);
    expect(sentMessages(env.openai.requests.length - 1).filter((m) => m.role !== 'system')).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    const foreign = await chat(other, {
      agent_id: 'builtin:assistant',
      message: 'hi',
      session_id: first.body.session_id,
    });
    expect(foreign.status).toBe(404);
    const otherAgent = await chat(t, {
      agent_id: 'builtin:summarizer',
      message: 'hi',
      session_id: first.body.session_id,
    });
    expect(otherAgent.status).toBe(404);
    expect((await chat(t, { agent_id: 'builtin:assistant', message: 'hi', session_id: 'nope' })).status).toBe(
      404,
    );
    expect((await getJob(other, first.body.job_id)).status).toBe(404);
  });

  it('runs parallel tool calls and feeds a tool error back to the model', async () => {
    env.openai.enqueue(
      {
        toolCalls: [
          { id: 'call_a', name: 'current_time', args: { timezone: 'Asia/Tokyo' } },
          { id: 'call_b', name: 'current_time', args: { timezone: 'Mars/Olympus_Mons' } },
        ],
      },
      { text: 'It is evening in Tokyo; Mars has no time zone.' },
    );
    const before = env.openai.requests.length;
    const res = await chat(t, {
      agent_id: 'builtin:assistant',
      message: 'What time is it in Tokyo and on Mars?',
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('It is evening in Tokyo; Mars has no time zone.');
    const tools = sentMessages(before + 1).filter((m) => m.role === 'tool');
    expect(tools.map((m) => m.tool_call_id)).toEqual(['call_a', 'call_b']);
    expect(String(tools[0]!.content)).toContain('+09:00');
    expect(String(tools[1]!.content)).toMatch(/Mars\/Olympus_Mons/);
    const job = await getJob(t, res.body.job_id);
    expect(job.body.steps.map((s: { kind: string; status: string }) => `${s.kind}:${s.status}`)).toEqual([
      'model:success',
      'tool:success',
      'tool:failed',
      'model:success',
    ]);
  });

  it('fails the job when the agent reaches its max steps', async () => {
    const agentId = await saveAgent(env.h, t, {
      name: `looper-${randomUUID()}`,
      tools: ['current_time'],
      max_steps: 2,
    });
    env.openai.enqueue(
      { toolCalls: [{ name: 'current_time', args: {} }] },
      { toolCalls: [{ name: 'current_time', args: {} }] },
    );
    const res = await chat(t, { agent_id: agentId, message: 'loop' });
    expect(res.status).toBe(500);
    expect(res.body.error).toMatch(/2 model calls \(its max_steps\)/);
    const job = await getJob(t, res.body.job_id);
    expect(job.body).toMatchObject({ status: 'failed', agent_version: 1 });
    expect(job.body.steps).toHaveLength(4);
  });

  it('retries a 429 after its retry-after and charges the call once', async () => {
    env.openai.enqueue({ status: 429, retryAfter: '1', message: 'slow down' }, { text: 'after the wait' });
    const before = env.openai.requests.length;
    const res = await chat(t, { agent_id: 'builtin:assistant', message: 'rate limited' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('after the wait');
    expect(env.openai.requests.length - before).toBe(2);
    const charges = await env.h.services.orm.em
      .fork()
      .getConnection()
      .execute(`select count(*)::int as n from usage_records where job_id = ?`, [res.body.job_id]);
    expect(charges).toEqual([{ n: 1 }]);
  });

  it('fails fast on a provider 400, naming the step, with the job recorded failed', async () => {
    env.openai.enqueue({ status: 400, message: 'model gpt-test does not support this' });
    const before = env.openai.requests.length;
    const res = await chat(t, { agent_id: 'builtin:assistant', message: 'refused' });
    expect(res.status).toBe(500);
    expect(res.body.error).toMatch(/^step 1 \(model standin\/gpt-test\): .*400/);
    expect(res.body.error).not.toContain(OPENAI_KEY);
    expect(env.openai.requests.length - before).toBe(1);
    const job = await getJob(t, res.body.job_id);
    expect(job.body).toMatchObject({ status: 'failed' });
    expect(job.body.steps[0]).toMatchObject({ status: 'failed' });
  });

  it('cancels a turn during a slow model call and stops the call in flight', async () => {
    env.openai.enqueue({ text: 'word '.repeat(200), chunks: 200, chunkDelayMs: 100 });
    const requests = env.openai.requests.length + 1;
    const disconnects = env.openai.disconnects + 1;
    const answer = chat(t, { agent_id: 'builtin:assistant', message: 'talk slowly' }).then((r) => r);
    await env.openai.waitForRequests(requests);
    const jobId = await latestJobId(env.h, t.workspaceId, 'talk slowly');
    const cancel = await env.h.http.post(`/api/v1/jobs/${jobId}/cancel`).set('X-API-Key', t.key).send({});
    expect(cancel.status).toBeLessThan(300);
    await env.openai.waitForDisconnects(disconnects);
    const res = await answer;
    expect(res.status).toBe(409);
    expect((await getJob(t, jobId)).body.status).toBe('cancelled');
  });

  it('takes model_id for one call, and refuses an unconfigured provider listing the choices', async () => {
    env.anthropic.enqueue({ text: 'from claude', usage: { inputTokens: 3, outputTokens: 2 } });
    const res = await chat(t, {
      agent_id: 'builtin:assistant',
      message: 'which model?',
      model_id: 'claude/claude-test',
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('from claude');
    expect(env.anthropic.requests.at(-1)!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(env.anthropic.requests.at(-1)!.body.model).toBe('claude-test');
    const bad = await chat(t, { agent_id: 'builtin:assistant', message: 'x', model_id: 'nope/model' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/local, claude, standin/);
  });

  it('refuses bad requests with clear errors', async () => {
    expect((await chat(t, { message: 'x' })).status).toBe(400);
    expect((await chat(t, { agent_id: '', message: 'x' })).status).toBe(400);
    expect((await chat(t, { agent_id: 'builtin:assistant', message: '' })).status).toBe(400);
    const unknown = await chat(t, { agent_id: randomUUID(), message: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'Agent not found' });
    const agentId = await saveAgent(env.h, t, { name: `private-${randomUUID()}` });
    expect((await chat(other, { agent_id: agentId, message: 'x' })).status).toBe(404);
  });

  it('replays an Idempotency-Key with the first answer, 422 with another request', async () => {
    env.openai.enqueue({ text: 'only once' });
    const key = `chat-${randomUUID()}`;
    const before = env.openai.requests.length;
    const first = await chat(
      t,
      { agent_id: 'builtin:assistant', message: 'once' },
      { 'Idempotency-Key': key },
    );
    const again = await chat(
      t,
      { agent_id: 'builtin:assistant', message: 'once' },
      { 'Idempotency-Key': key },
    );
    expect(first.status).toBe(200);
    expect(again.body).toMatchObject({ message: 'only once', job_id: first.body.job_id });
    expect(env.openai.requests.length - before).toBe(1);
    const changed = await chat(
      t,
      { agent_id: 'builtin:assistant', message: 'twice' },
      { 'Idempotency-Key': key },
    );
    expect(changed.status).toBe(422);
  });

  it('completes and records a turn whose caller hung up', async () => {
    env.openai.enqueue({ text: 'nobody listens', chunks: 5, chunkDelayMs: 100 });
    const requests = env.openai.requests.length + 1;
    const server = env.h.api.koa.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const abort = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/api/v1/agent/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.key },
      body: JSON.stringify({ agent_id: 'builtin:assistant', message: 'hang up' }),
      signal: abort.signal,
    }).catch(() => undefined);
    await env.openai.waitForRequests(requests);
    abort.abort();
    await pending;
    await until(async () => {
      const rows = await env.h.services.orm.em
        .fork()
        .getConnection()
        .execute<{ status: string; final_message: string }[]>(
          `select status, final_message from jobs where workspace_id = ? and message = 'hang up'`,
          [t.workspaceId],
        );
      return rows[0]?.status === 'success' && rows[0].final_message === 'nobody listens';
    });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
