import { TaskState } from '@a2a-js/sdk';
import { LegacyJsonRpcTransport } from '@a2a-js/sdk/compat/v0_3/client';
import type { Client } from '@a2a-js/sdk/client';
import { saveAgent, startChatEnv, stopChatEnv, type ChatEnv } from '../agents/chat-fixtures.ts';
import { delayed, DOUBLE, saveWorkflow } from '../runs/run-fixtures.ts';
import { createApiKey, type Scope } from '../../domain/keys/api-keys.service.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import {
  a2aClient,
  data,
  keyedFetch,
  listen,
  PUBLIC_BASE,
  sendRequest,
  text,
  textOf,
  userMessage,
} from './a2a-fixtures.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON read by the assertions
type Json = any;

const json = async (res: Promise<Response>): Promise<Json> => (await res).json();

describe('A2A over JSON-RPC', () => {
  let env: ChatEnv;
  let server: Awaited<ReturnType<typeof listen>>;
  let t: Tenant;
  let client: Client;

  beforeAll(async () => {
    env = await startChatEnv({ PUBLIC_BASE_URL: PUBLIC_BASE }, { worker: true });
    server = await listen(env.h);
    t = await createTenant(env.h);
    client = await a2aClient(server.base, t);
  });
  afterAll(async () => {
    await server?.close();
    await stopChatEnv(env);
  });

  /** A run that waits a minute, started with returnImmediately. */
  const startLongRun = async () => {
    const wf = await saveWorkflow(env.h, t, delayed(60));
    const started = await client.sendMessage(
      sendRequest(userMessage([data({})], { metadata: { workflow_id: wf.id } }), true),
    );
    if (!('id' in started)) throw new Error('expected a task');
    return started;
  };

  const rpc = (body: unknown, key: string = t.key, headers: Record<string, string> = {}) =>
    keyedFetch(server.base, key)(`${server.base}/a2a/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('serves the same public card at both paths, serialised by AgentCard.toJSON, with caching headers', async () => {
    const a = await fetch(`${server.base}/.well-known/agent-card.json`);
    const b = await fetch(`${server.base}/.well-known/agent.json`);
    expect(a.status).toBe(200);
    expect(a.headers.get('last-modified')).toBeTruthy();
    expect(a.headers.get('etag')).toBeTruthy();
    const card = (await a.json()) as Json;
    expect(await b.json()).toEqual(card);
    expect(JSON.stringify(card)).not.toContain('$case');
    expect(card.url).toBeUndefined();
    const legacy = (await (
      await fetch(`${server.base}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '0.3' } })
    ).json()) as Json;
    // A 0.3 card, by the SDK's translator: 0.3 fields only, with the 1.0 interfaces along.
    expect(legacy).toMatchObject({
      url: `${PUBLIC_BASE}/a2a`,
      preferredTransport: 'JSONRPC',
      protocolVersion: '0.3.0',
      capabilities: { streaming: true, pushNotifications: true },
      supportsAuthenticatedExtendedCard: true,
      security: [{ apiKey: [] }],
      supportedInterfaces: card.supportedInterfaces,
    });
    expect(legacy.securitySchemes.apiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: expect.any(String),
    });
    expect(legacy.securityRequirements).toBeUndefined();
    expect(legacy.skills.map((s: { id: string }) => s.id)).toEqual(
      card.skills.map((s: { id: string }) => s.id),
    );
    expect(card.supportedInterfaces).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          url: `${PUBLIC_BASE}/a2a`,
          protocolBinding: 'JSONRPC',
          protocolVersion: '1.0',
        }),
        expect.objectContaining({ url: `${PUBLIC_BASE}/a2a`, protocolVersion: '0.3' }),
      ]),
    );
    expect(card.securitySchemes.apiKey.apiKeySecurityScheme).toMatchObject({
      location: 'header',
      name: 'X-API-Key',
    });
    expect(card.skills.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining(['builtin:assistant', 'run-workflow']),
    );
    // Through supertest: fetch adds `Cache-Control: no-cache` to a conditional request.
    const again = await env.h.http
      .get('/.well-known/agent-card.json')
      .set('If-None-Match', a.headers.get('etag')!);
    expect(again.status).toBe(304);
  });

  it('answers a blocking send with the completed task; the job reads over REST with source a2a', async () => {
    env.openai.enqueue({ text: 'Hello over A2A' });
    const result = await client.sendMessage(sendRequest(userMessage([text('hi there')])));
    if (!('id' in result)) throw new Error('expected a task');
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(result.artifacts[0]!.parts)).toBe('Hello over A2A');
    expect(textOf(result.history.at(-1)!.parts)).toBe('hi there');
    const job = await env.h.http.get(`/api/v1/jobs/${result.id}`).set('X-API-Key', t.key);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ source: 'a2a', status: 'success', final_message: 'Hello over A2A' });
  });

  it('keeps a context: the second message of a contextId continues the same session', async () => {
    env.openai.enqueue({ text: 'first' }, { text: 'second' });
    const contextId = `ctx-${Date.now()}`;
    const one = await client.sendMessage(sendRequest(userMessage([text('one')], { contextId })));
    const two = await client.sendMessage(sendRequest(userMessage([text('two')], { contextId })));
    if (!('id' in one) || !('id' in two)) throw new Error('expected tasks');
    expect(one.contextId).toBe(contextId);
    expect(two.contextId).toBe(contextId);
    expect(two.history.map((m) => textOf(m.parts))).toEqual(['one', 'first', 'two']);
  });

  it('starts a workflow with returnImmediately, then GetTask shows its output as a data artifact', async () => {
    const wf = await saveWorkflow(env.h, t, DOUBLE);
    const started = await client.sendMessage(
      sendRequest(userMessage([data({ n: 21 })], { metadata: { workflow_id: wf.id } }), true),
    );
    if (!('id' in started)) throw new Error('expected a task');
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(started.status?.state);
    await env.h.services.temporal.client.workflow.getHandle(`run:${started.id}`).result();
    const done = await client.getTask({ tenant: '', id: started.id, historyLength: 0 });
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(done.history).toEqual([]);
    expect(done.artifacts[0]!.parts[0]!.content).toEqual({ $case: 'data', value: { double: 42 } });
    const run = await env.h.http.get(`/api/v1/workflow/runs/${started.id}`).set('X-API-Key', t.key);
    expect(run.body.trigger.source).toBe('a2a');
  });

  it('reads a run started over REST as a task', async () => {
    const wf = await saveWorkflow(env.h, t, DOUBLE);
    const res = await env.h.http
      .post(`/api/v1/workflow/${wf.id}/run`)
      .set('X-API-Key', t.key)
      .send({ input_data: { n: 2 }, wait: true });
    const task = await client.getTask({ tenant: '', id: res.body.id });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.metadata).toMatchObject({ source: 'external_api', workflowId: wf.id, runId: res.body.id });
  });

  it('streams the snapshot, answer chunks and the final status', async () => {
    env.openai.enqueue({ text: 'one two three four', chunks: 4, chunkDelayMs: 50 });
    const events = [];
    for await (const e of client.sendMessageStream(sendRequest(userMessage([text('stream please')])))) {
      events.push(e.payload);
    }
    expect(events[0]?.$case).toBe('task');
    const last = events.at(-1);
    expect(last?.$case).toBe('statusUpdate');
    if (last?.$case === 'statusUpdate') expect(last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    // Model tokens arrive as appended chunks of the answer, then the recorded answer whole.
    expect(events.some((e) => e?.$case === 'artifactUpdate' && e.value.append)).toBe(true);
    const whole = events.findLast((e) => e?.$case === 'artifactUpdate');
    if (whole?.$case !== 'artifactUpdate') throw new Error('no artifact');
    expect(textOf(whole.value.artifact!.parts)).toBe('one two three four');
  });

  it('resubscribes after a dropped stream and still gets the whole answer and the end', async () => {
    env.openai.enqueue({ text: 'a slow answer in ten pieces', chunks: 10, chunkDelayMs: 60 });
    const stream = client.sendMessageStream(sendRequest(userMessage([text('slow one')])));
    const first = await stream.next();
    if (first.value?.payload?.$case !== 'task') throw new Error('expected the snapshot first');
    const taskId = first.value.payload.value.id;
    await stream.return(undefined);
    const events = [];
    for await (const e of client.resubscribeTask({ tenant: '', id: taskId })) events.push(e.payload);
    expect(events[0]?.$case).toBe('task');
    const whole = events.findLast((e) => e?.$case === 'artifactUpdate');
    if (whole?.$case !== 'artifactUpdate') throw new Error('no artifact');
    expect(whole.value.lastChunk).toBe(true);
    expect(textOf(whole.value.artifact!.parts)).toBe('a slow answer in ten pieces');
    const end = events.at(-1);
    if (end?.$case !== 'statusUpdate') throw new Error('no final status');
    expect(end.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("shows the workspace's custom agents and active workflows on the extended card only", async () => {
    const agentId = await saveAgent(env.h, t, { name: 'Card agent', description: 'on the extended card' });
    const wf = await saveWorkflow(env.h, t, { ...DOUBLE, name: 'card-workflow' });
    // The client reads the extended card when the public one says there is one.
    const extended = await (await a2aClient(server.base, t)).getAgentCard();
    const ids = extended.skills.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([agentId, `workflow:${wf.id}`, 'builtin:assistant']));
    const plain = (await (await fetch(`${server.base}/.well-known/agent-card.json`)).json()) as Json;
    expect(plain.skills.map((s: { id: string }) => s.id)).not.toContain(agentId);
  });

  it('resubscribes to a running task and cancels it; a cancelled task cannot be cancelled again', async () => {
    const started = await startLongRun();
    const stream = client.resubscribeTask({ tenant: '', id: started.id });
    const first = await stream.next();
    expect(first.value?.payload?.$case).toBe('task');
    const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const rest = [];
    for await (const e of { [Symbol.asyncIterator]: () => stream }) rest.push(e.payload);
    const end = rest.at(-1);
    if (end?.$case !== 'statusUpdate') throw new Error('no final status');
    expect(end.value.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const again = await json(
      rpc({ jsonrpc: '2.0', id: 1, method: 'CancelTask', params: { id: started.id } }),
    );
    expect(again.result?.status?.state ?? again.error?.code).toBeDefined();
    const done = await json(
      rpc({ jsonrpc: '2.0', id: 2, method: 'SubscribeToTask', params: { id: started.id } }),
    );
    expect(done.error.code).toBe(-32004);
  });

  it('cancels an agent turn while the model is answering', async () => {
    env.openai.enqueue({ text: 'word '.repeat(100), chunks: 100, chunkDelayMs: 100 });
    const inFlight = env.openai.waitForRequests();
    const started = await client.sendMessage(sendRequest(userMessage([text('never finish')]), true));
    if (!('id' in started)) throw new Error('expected a task');
    await inFlight;
    const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const job = await env.h.http.get(`/api/v1/jobs/${started.id}`).set('X-API-Key', t.key);
    expect(job.body.status).toBe('cancelled');
  });

  it('lists tasks in pages with an opaque token, filtered by context', async () => {
    const other = await createTenant(env.h);
    const c = await a2aClient(server.base, other);
    const wf = await saveWorkflow(env.h, other, DOUBLE);
    for (let i = 0; i < 3; i++) {
      await c.sendMessage(
        sendRequest(
          userMessage([data({ n: i })], { metadata: { workflow_id: wf.id }, contextId: 'paged' }),
          true,
        ),
      );
    }
    const p1 = await c.listTasks({
      tenant: '',
      contextId: 'paged',
      status: 0,
      pageSize: 2,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    expect(p1.tasks).toHaveLength(2);
    expect(p1.totalSize).toBe(3);
    const p2 = await c.listTasks({
      tenant: '',
      contextId: 'paged',
      status: 0,
      pageSize: 2,
      pageToken: p1.nextPageToken,
      statusTimestampAfter: undefined,
    });
    expect(p2.tasks).toHaveLength(1);
    expect(p2.nextPageToken).toBe('');
    expect(new Set([...p1.tasks, ...p2.tasks].map((x) => x.id)).size).toBe(3);
    const bad = await json(rpc({ jsonrpc: '2.0', id: 3, method: 'ListTasks', params: { pageSize: 101 } }));
    expect(bad.error.code).toBe(-32602);
  });

  it("answers another workspace's task id and a malformed one with -32001", async () => {
    const other = await createTenant(env.h);
    const wf = await saveWorkflow(env.h, other, DOUBLE);
    const run = await env.h.http.post(`/api/v1/workflow/${wf.id}/run`).set('X-API-Key', other.key).send({});
    for (const id of [run.body.id, 'not-a-uuid']) {
      const res = await json(rpc({ jsonrpc: '2.0', id: 4, method: 'GetTask', params: { id } }));
      expect(res.error.code).toBe(-32001);
    }
  });

  it("answers the spec's error codes: invalid request, unknown method, bad params, unknown task, finished task, unsupported version", async () => {
    const wf = await saveWorkflow(env.h, t, DOUBLE);
    const done = await client.sendMessage(
      sendRequest(userMessage([data({ n: 2 })], { metadata: { workflow_id: wf.id } })),
    );
    if (!('id' in done)) throw new Error('expected a task');
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const codeOf = async (body: unknown, headers: Record<string, string> = {}) =>
      (await json(rpc(body, t.key, headers))).error?.code;
    // The 1.0 handler counts a malformed envelope as bad params (-32602); a 0.3 client gets -32600.
    const legacy = { 'A2A-Version': '0.3' };
    expect(
      await codeOf({ jsonrpc: '1.0', id: 1, method: 'tasks/get', params: { id: done.id } }, legacy),
    ).toBe(-32600);
    expect(await codeOf({ jsonrpc: '2.0', id: 2, method: 'NoSuchMethod', params: {} })).toBe(-32601);
    expect(await codeOf({ jsonrpc: '2.0', id: 3, method: 'SendMessage', params: {} })).toBe(-32602);
    expect(
      await codeOf({
        jsonrpc: '2.0',
        id: 4,
        method: 'GetTask',
        params: { id: '00000000-0000-4000-8000-000000000000' },
      }),
    ).toBe(-32001);
    expect(await codeOf({ jsonrpc: '2.0', id: 5, method: 'CancelTask', params: { id: done.id } })).toBe(
      -32002,
    );
    const again = {
      jsonrpc: '2.0',
      id: 6,
      method: 'SendMessage',
      params: {
        message: { messageId: 'again', role: 'ROLE_USER', taskId: done.id, parts: [{ text: 'more' }] },
      },
    };
    expect(await codeOf(again)).toBe(-32004);
    expect(
      await codeOf(
        { jsonrpc: '2.0', id: 7, method: 'GetTask', params: { id: done.id } },
        { 'A2A-Version': '99.0' },
      ),
    ).toBe(-32009);
  });

  it('refuses a bad key before any method, a wrong scope with 403, and answers malformed JSON with -32700, another content type with -32005', async () => {
    const none = await rpc({ jsonrpc: '2.0', id: 5, method: 'GetTask', params: { id: 'x' } }, '');
    expect(none.status).toBe(401);
    expect(((await none.json()) as Json).error).toMatch(/X-API-Key/);
    const agentsOnly = await createTenant(env.h, { scopes: ['agents'] });
    const wf = await saveWorkflow(env.h, agentsOnly, DOUBLE);
    const forbidden = await rpc(
      {
        jsonrpc: '2.0',
        id: 6,
        method: 'SendMessage',
        params: {
          message: {
            messageId: 'm',
            role: 'ROLE_USER',
            parts: [{ data: {} }],
            metadata: { workflow_id: wf.id },
          },
        },
      },
      agentsOnly.key,
    );
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as Json).error).toMatch(/workflows/);
    const broken = await json(rpc('{"jsonrpc":'));
    expect(broken.error.code).toBe(-32700);
    const plain = await json(rpc('{}', t.key, { 'content-type': 'text/plain' }));
    expect(plain.error.code).toBe(-32005);
  });

  it("holds every method to the key's scopes: another kind's task is 403 naming the scope, and lists show only the key's kinds", async () => {
    const owner = await createTenant(env.h);
    const keyWith = async (scopes: Scope[]) =>
      (
        await createApiKey(env.h.services.orm.em.fork(), env.h.config.keyPepper!, {
          workspaceId: owner.workspaceId,
          ownerId: owner.ownerId,
          name: `only ${scopes.join()}`,
          scopes,
        })
      ).plaintext;
    const [agentsOnly, workflowsOnly] = [await keyWith(['agents']), await keyWith(['workflows'])];
    const wf = await saveWorkflow(env.h, owner, DOUBLE);
    const run = await env.h.http
      .post(`/api/v1/workflow/${wf.id}/run`)
      .set('X-API-Key', owner.key)
      .send({ input_data: { n: 1 }, wait: true });
    env.openai.enqueue({ text: 'scoped answer' });
    const job = await json(
      rpc(
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
        },
        agentsOnly,
      ),
    );
    const jobId: string = job.result.task.id;
    const cases = [
      { key: agentsOnly, taskId: run.body.id as string, scope: 'workflows', own: jobId },
      { key: workflowsOnly, taskId: jobId, scope: 'agents', own: run.body.id as string },
    ];
    for (const { key, taskId, scope, own } of cases) {
      const calls: [string, Record<string, unknown>, string?][] = [
        ['GetTask', { id: taskId }],
        ['CancelTask', { id: taskId }],
        ['SubscribeToTask', { id: taskId }],
        ['CreateTaskPushNotificationConfig', { taskId, id: 'p', url: 'https://example.com/hook' }],
        ['GetTaskPushNotificationConfig', { taskId, id: 'p' }],
        ['ListTaskPushNotificationConfigs', { taskId }],
        ['DeleteTaskPushNotificationConfig', { taskId, id: 'p' }],
        ['tasks/get', { id: taskId }, ''],
        ['tasks/resubscribe', { id: taskId }, ''],
      ];
      for (const [method, params, version = '1.0'] of calls) {
        const res = await rpc({ jsonrpc: '2.0', id: 2, method, params }, key, { 'A2A-Version': version });
        expect([method, res.status]).toEqual([method, 403]);
        expect(((await res.json()) as Json).error).toContain(`'${scope}' scope`);
      }
      const listed = await json(rpc({ jsonrpc: '2.0', id: 3, method: 'ListTasks', params: {} }, key));
      expect(listed.result.tasks.map((x: { id: string }) => x.id)).toEqual([own]);
      const mine = await json(rpc({ jsonrpc: '2.0', id: 4, method: 'GetTask', params: { id: own } }, key));
      expect(mine.result.id).toBe(own);
    }
  });

  it("applies the key's rate limit to every call", async () => {
    const slow = await createTenant(env.h, { rateLimitPerMinute: 2 });
    const call = () => rpc({ jsonrpc: '2.0', id: 7, method: 'ListTasks', params: {} }, slow.key);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  it('serves a 0.3 client: message/send, tasks/get and tasks/cancel without the version header', async () => {
    const legacy = new LegacyJsonRpcTransport({
      endpoint: `${server.base}/a2a`,
      fetchImpl: keyedFetch(server.base, t.key),
    });
    env.openai.enqueue({ text: 'legacy hello' });
    const sent = await legacy.sendMessage(sendRequest(userMessage([text('old client')])));
    if (!('id' in sent)) throw new Error('expected a task');
    expect(sent.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const got = await legacy.getTask({ tenant: '', id: sent.id });
    expect(textOf(got.artifacts[0]!.parts)).toBe('legacy hello');
    await expect(legacy.cancelTask({ tenant: '', id: sent.id, metadata: undefined })).rejects.toThrow(
      /not cancelable/i,
    );
  });

  // Last: the app stays drained.
  it('ends open streams when the server begins to stop', async () => {
    const started = await startLongRun();
    const stream = client.resubscribeTask({ tenant: '', id: started.id });
    expect((await stream.next()).value?.payload?.$case).toBe('task');
    const rest = (async () => {
      const events = [];
      for await (const e of { [Symbol.asyncIterator]: () => stream }) events.push(e);
      return events;
    })();
    env.h.api.drain();
    // Ended without a final status: the task goes on, and a client resubscribes to another process.
    const events = await rest;
    const states = events.flatMap((e) =>
      e.payload?.$case === 'statusUpdate' ? [e.payload.value.status?.state] : [],
    );
    expect(states).not.toContain(TaskState.TASK_STATE_CANCELED);
    expect(states).not.toContain(TaskState.TASK_STATE_COMPLETED);
    await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
  });
});
