/**
 * Chat turns that reach outside the model: an MCP server's tools (with a workspace secret in its
 * headers), and the key's monthly budget refusing a turn before it starts or in the middle of one.
 * Real API, worker, Temporal and Postgres; the provider and the MCP server are protocol stand-ins.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { secretCipher, setSecret } from '../../domain/secrets/secrets.service.ts';
import { startMcpStandIn, type McpStandIn } from '../helpers/stand-ins/mcp-server.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import {
  budgetedTenant,
  type ChatEnv,
  chatAs,
  expectedCost,
  jobAs,
  query,
  saveAgent,
  startChatEnv,
  stopChatEnv,
} from './chat-fixtures.ts';

const SECRET = `mcp-token-${randomUUID()}`;

let env: ChatEnv;
let mcp: McpStandIn;
let t: Tenant;

beforeAll(async () => {
  mcp = await startMcpStandIn({ header: 'authorization' });
  env = await startChatEnv({
    HTTP_NODE_ALLOWLIST: '127.0.0.1',
    DAGEN_SECRETS_KEY: randomBytes(32).toString('base64'),
  });
  t = await createTenant(env.h);
  const em = env.h.services.orm.em.fork();
  await setSecret(em, secretCipher(env.h.config.secretsKey), t.workspaceId, 'MCP_TOKEN', SECRET);
});
afterAll(async () => {
  await stopChatEnv(env);
  await mcp?.close();
});

interface SentMessage {
  role: string;
  content: unknown;
  tool_call_id?: string;
}

/** How many usage records and jobs are billed to the key. */
async function recordsOfKey(apiKeyId: string): Promise<{ jobs: number; usage: number; sessions: number }> {
  const [row] = await query<{ jobs: number; usage: number; sessions: number }>(
    env.h,
    `select (select count(*)::int from jobs where api_key_id = ?) as jobs,
            (select count(*)::int from usage_records where api_key_id = ?) as usage,
            (select count(*)::int from chat_sessions s where s.workspace_id = ?) as sessions`,
    [apiKeyId, apiKeyId, t.workspaceId],
  );
  return row!;
}

describe('chat with an MCP server', () => {
  it('calls the server’s tools with the secret header; the model gets the results, nothing keeps the secret', async () => {
    const agentId = await saveAgent(env.h, t, {
      name: `calc-${randomUUID()}`,
      mcp_servers: [{ name: 'calc', url: mcp.url, headers: { Authorization: '{{ secrets.MCP_TOKEN }}' } }],
    });
    env.openai.enqueue(
      {
        toolCalls: [
          { id: 'call_add', name: 'calc__add', args: { a: 2, b: 40 } },
          { id: 'call_who', name: 'calc__whoami', args: {} },
        ],
      },
      { text: 'Two plus forty is 42.' },
    );
    const before = env.openai.requests.length;
    const res = await chatAs(env.h, t, { agent_id: agentId, message: 'What is 2 + 40?' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Two plus forty is 42.');

    // The model was offered the server's tools under `<server>__<tool>`.
    const offered = (env.openai.requests[before]!.body.tools as { function: { name: string } }[]).map(
      (tool) => tool.function.name,
    );
    expect(offered.sort()).toEqual(['calc__add', 'calc__fail', 'calc__whoami']);
    // The server got the call with the secret filled in.
    expect(mcp.calls.map((c) => [c.tool, c.args, c.header])).toEqual(
      expect.arrayContaining([
        ['add', { a: 2, b: 40 }, SECRET],
        ['whoami', {}, SECRET],
      ]),
    );
    // The tool results reached the second model call; the echoed secret is masked there.
    const sent = env.openai.requests[before + 1]!.body.messages as SentMessage[];
    const results = sent.filter((m) => m.role === 'tool');
    expect(results.map((m) => m.tool_call_id)).toEqual(['call_add', 'call_who']);
    expect(JSON.stringify(results[0]!.content)).toContain('42');
    expect(JSON.stringify(results[1]!.content)).toContain('token=***');

    const job = await jobAs(env.h, t, res.body.job_id);
    expect(job.body.status).toBe('success');
    expect(
      job.body.steps.map(
        (s: { kind: string; name: string; status: string }) => `${s.kind}:${s.name}:${s.status}`,
      ),
    ).toEqual([
      'model:standin/gpt-test:success',
      'tool:calc__add:success',
      'tool:calc__whoami:success',
      'model:standin/gpt-test:success',
    ]);
    expect(job.body.steps[1]).toMatchObject({ input: { a: 2, b: 40 } });
    expect(JSON.stringify(job.body.steps[1].output)).toContain('42');

    const stored = await query(env.h, `select * from job_steps where job_id = ?`, [res.body.job_id]);
    const jobRow = await query(env.h, `select * from jobs where id = ?`, [res.body.job_id]);
    for (const text of [
      JSON.stringify(res.body),
      JSON.stringify(job.body),
      JSON.stringify(stored),
      JSON.stringify(jobRow),
      ...env.openai.requests.slice(before).map((r) => JSON.stringify(r.body)),
    ]) {
      expect(text).not.toContain(SECRET);
    }
  });
});

describe('chat against a monthly budget', () => {
  it('lets the turn that crosses the budget finish, then refuses the next with 402 and starts nothing', async () => {
    // 4000 input tokens cost 600 micro-units: the second turn crosses 1000, the third is refused.
    const capped = await budgetedTenant(env.h, t, 1000);
    const usage = { inputTokens: 4000, outputTokens: 0 };
    expect(expectedCost(4000, 0)).toBe(600);
    env.openai.enqueue({ text: 'one', usage }, { text: 'two', usage });
    const first = await chatAs(env.h, capped, { agent_id: 'builtin:assistant', message: 'first' });
    expect(first.status).toBe(200);
    expect(first.body.usage.cost_micros).toBe(600);
    const second = await chatAs(env.h, capped, { agent_id: 'builtin:assistant', message: 'second' });
    expect(second.status).toBe(200);
    expect(second.body.message).toBe('two');

    const before = await recordsOfKey(capped.apiKeyId);
    expect(before).toMatchObject({ jobs: 2, usage: 2 });
    const requests = env.openai.requests.length;
    const refused = await chatAs(env.h, capped, { agent_id: 'builtin:assistant', message: 'third' });
    expect(refused.status).toBe(402);
    expect(refused.body).toEqual({ error: 'Budget exceeded', budget_micros: 1000, spent_micros: 1200 });
    expect(await recordsOfKey(capped.apiKeyId)).toEqual(before);
    expect(env.openai.requests.length).toBe(requests);
  });

  it('fails a turn whose first call spent the budget at its second call, naming the step', async () => {
    const capped = await budgetedTenant(env.h, t, 1000);
    // 10,000 input tokens cost 1500 micro-units: over the budget after the first call.
    env.openai.enqueue(
      {
        toolCalls: [{ id: 'call_t', name: 'current_time', args: { timezone: 'UTC' } }],
        usage: { inputTokens: 10_000, outputTokens: 0 },
      },
      { text: 'never asked for' },
    );
    const requests = env.openai.requests.length;
    const res = await chatAs(env.h, capped, { agent_id: 'builtin:assistant', message: 'what time is it?' });
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('step 3 (model standin/gpt-test): Budget exceeded');
    expect(env.openai.requests.length - requests).toBe(1);

    const job = await jobAs(env.h, t, res.body.job_id);
    expect(job.body).toMatchObject({
      status: 'failed',
      error: 'step 3 (model standin/gpt-test): Budget exceeded',
    });
    expect(job.body.steps.map((s: { kind: string; status: string }) => `${s.kind}:${s.status}`)).toEqual([
      'model:success',
      'tool:success',
      'model:failed',
    ]);
    expect(job.body.steps[2].error).toBe('Budget exceeded');
    const ledger = await query(env.h, `select cost_micros from usage_records where job_id = ?`, [
      res.body.job_id,
    ]);
    expect(ledger).toEqual([{ cost_micros: '1500' }]);
  });
});
