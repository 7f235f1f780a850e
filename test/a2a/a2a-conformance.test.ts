import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { saveWorkflow } from '../runs/run-fixtures.ts';
import { TestReceiver } from './test-receiver.ts';
import {
  a2aClient,
  file,
  listen,
  PUBLIC_BASE,
  sendRequest,
  text,
  textOf,
  userMessage,
} from './a2a-fixtures.ts';

const CONFORMANCE = { agent_id: 'builtin:conformance' };
const id = (prefix: string) => `${prefix}-${randomUUID()}`;

describe('A2A with the conformance agent: input, replies as messages, files, push configs', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof listen>>;
  let t: Tenant;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness({
      worker: true,
      // As for the 0.3 kit: it fetches the card without A2A-Version (the SDK's 1.0 client sends it).
      env: { PUBLIC_BASE_URL: PUBLIC_BASE, A2A_PUSH_ALLOWED_HOSTS: '127.0.0.1', A2A_CARD_VERSION: '0.3' },
    });
    server = await listen(h);
    t = await createTenant(h);
    client = await a2aClient(server.base, t);
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  it('serves the 0.3 card to a card request without A2A-Version when A2A_CARD_VERSION is 0.3; the header wins', async () => {
    const card = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${server.base}${path}`, { headers }).then((r) => r.json() as Promise<Record<string, unknown>>);
    for (const path of ['/.well-known/agent-card.json', '/.well-known/agent.json']) {
      expect(await card(path)).toMatchObject({ url: `${PUBLIC_BASE}/a2a`, protocolVersion: '0.3.0' });
    }
    const current = await card('/.well-known/agent-card.json', { 'A2A-Version': '1.0' });
    expect(current.url).toBeUndefined();
    expect(current.supportedInterfaces).toBeDefined();
  });

  it('waits for input, and the next message with the task id continues the same task', async () => {
    const asked = await client.sendMessage(
      sendRequest(
        userMessage([text('start')], { metadata: CONFORMANCE, messageId: id('tck-input-required') }),
      ),
    );
    if (!('id' in asked)) throw new Error('expected a task');
    expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(textOf(asked.status!.message!.parts)).toBe('What should I echo?');
    const replyId = id('tck-complete-task');
    const done = await client.sendMessage(
      sendRequest(userMessage([text('go on')], { taskId: asked.id, messageId: replyId })),
    );
    if (!('id' in done)) throw new Error('expected a task');
    expect(done.id).toBe(asked.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(done.history.map((m) => m.messageId)).toContain(replyId);
    expect(done.history.map((m) => textOf(m.parts))).toEqual(['start', 'What should I echo?', 'go on']);
    const again = await client
      .sendMessage(sendRequest(userMessage([text('more')], { taskId: asked.id })))
      .catch((e: unknown) => e);
    expect(String(again)).toMatch(/terminal state/);
  });

  it('answers a bare Message when the agent replies with one', async () => {
    const reply = await client.sendMessage(
      sendRequest(
        userMessage([text('hi')], { metadata: CONFORMANCE, messageId: id('tck-message-response') }),
      ),
    );
    expect('id' in reply).toBe(false);
    if ('id' in reply) return;
    expect(textOf(reply.parts)).toBe('Direct message response');
  });

  it('carries files both ways: a file part into a workflow input, a file artifact out of an agent', async () => {
    const wf = await saveWorkflow(h, t, {
      nodes: [
        {
          id: 'names',
          type: 'transform',
          with: { expression: 'input.files[0].name & ":" & input.files[0].base64' },
        },
      ],
    });
    const run = await client.sendMessage(
      sendRequest(
        userMessage([file(Buffer.from('hello'), 'hi.txt', 'text/plain')], {
          metadata: { workflow_id: wf.id },
        }),
      ),
    );
    if (!('id' in run)) throw new Error('expected a task');
    expect(run.artifacts[0]!.parts[0]!.content).toEqual({
      $case: 'data',
      value: { names: 'hi.txt:aGVsbG8=' },
    });
    const out = await client.sendMessage(
      sendRequest(
        userMessage([text('file please')], { metadata: CONFORMANCE, messageId: id('tck-artifact-file') }),
      ),
    );
    if (!('id' in out)) throw new Error('expected a task');
    const part = out.artifacts[0]!.parts[0]!;
    expect(part.filename).toBe('output.txt');
    expect(part.content?.$case === 'raw' && part.content.value.toString()).toBe('tck');
  });

  it("keeps push configs per task and POSTs the task's next state with the token", async () => {
    const hook = await new TestReceiver().start();
    const url = `${hook.url}/hook`;
    try {
      const asked = await client.sendMessage(
        sendRequest(
          userMessage([text('wait')], { metadata: CONFORMANCE, messageId: id('tck-input-required') }),
        ),
      );
      if (!('id' in asked)) throw new Error('expected a task');
      const cfg = {
        tenant: '',
        id: 'hook-1',
        taskId: asked.id,
        url,
        token: 'secret-token',
        authentication: undefined,
      };
      const created = await client.createTaskPushNotificationConfig(cfg);
      expect(created).toMatchObject({ id: 'hook-1', taskId: asked.id, url });
      const got = await client.getTaskPushNotificationConfig({ tenant: '', taskId: asked.id, id: 'hook-1' });
      expect(got.url).toBe(url);
      const listed = await client.listTaskPushNotificationConfig({
        tenant: '',
        taskId: asked.id,
        pageSize: 0,
        pageToken: '',
      });
      expect(listed.configs.map((c) => c.id)).toEqual(['hook-1']);
      await client.sendMessage(
        sendRequest(userMessage([text('done')], { taskId: asked.id, messageId: id('tck-complete-task') })),
      );
      const [first] = await hook.received(1);
      expect(first!.headers['x-a2a-notification-token']).toBe('secret-token');
      expect(first!.body).toContain(asked.id);
      await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: asked.id, id: 'hook-1' });
      const gone = await client
        .getTaskPushNotificationConfig({ tenant: '', taskId: asked.id, id: 'hook-1' })
        .catch((e: unknown) => e);
      expect(String(gone)).toMatch(/not found/i);
      const stranger = await a2aClient(server.base, await createTenant(h));
      const foreign = await stranger.createTaskPushNotificationConfig(cfg).catch((e: unknown) => e);
      expect(String(foreign)).toMatch(/Task not found/);
    } finally {
      await hook.close();
    }
  });
});
