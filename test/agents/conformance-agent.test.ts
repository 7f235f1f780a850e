/**
 * The conformance agent (builtin:conformance) end to end over REST and the chat service: its own
 * `conformanceTurn` workflow plays the script the message picks, recording artifacts, input requests
 * and outcomes on the job like any agent's, without a model.
 */
import { randomUUID } from 'node:crypto';
import { builtinAgent } from '../../core/builtin-agents.ts';
import { insertJob, launchJob } from '../../domain/jobs/job-launcher.ts';
import { JobStore } from '../../domain/jobs/job-store.ts';
import { AgentRegistry } from '../../domain/agents/agent-registry.ts';
import { awaitChat, startChat, type ChatRequest } from '../../domain/jobs/chat.service.ts';
import { continueJob } from '../../domain/jobs/job-input.service.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { until } from '../helpers/until.ts';
import {
  type ChatEnv,
  chatAs,
  jobAs,
  latestJobId,
  MODEL,
  query,
  startChatEnv,
  stopChatEnv,
} from './chat-fixtures.ts';

const AGENT = 'builtin:conformance';

let env: ChatEnv;
let t: Tenant;

beforeAll(async () => {
  // The long-running script outlasts any test that does not cancel it.
  env = await startChatEnv({ CONFORMANCE_WORKING_MS: '600000' });
  t = await createTenant(env.h);
});
afterAll(() => stopChatEnv(env));

const chat = (body: Record<string, unknown>) => chatAs(env.h, t, { agent_id: AGENT, ...body });
const caller = () => ({ ...t, scopes: ['agents'] as const });
const chatDeps = () => ({
  services: env.h.services,
  agents: new AgentRegistry(env.h.services.orm, env.h.config.models),
});
/** A chat turn from an A2A client: its message id picks the script. */
const a2aChat = async (messageId: string, message: string, extra: Partial<ChatRequest> = {}) => {
  const started = await startChat(chatDeps(), caller(), {
    agentId: AGENT,
    message,
    source: 'a2a',
    a2a: { message_id: messageId },
    ...extra,
  });
  return { started, answer: await awaitChat(env.h.services, started, new AbortController().signal) };
};
/** Replies to the waiting job with this message id, then waits for it to ask again or end. */
const reply = async (started: Awaited<ReturnType<typeof a2aChat>>['started'], messageId: string) => {
  await continueJob(env.h.services, caller(), started.jobId, { message: `reply ${messageId}`, messageId });
  return awaitChat(env.h.services, started, new AbortController().signal);
};
const artifactsOf = async (jobId: string) =>
  (await query<{ artifacts: unknown }>(env.h, `select artifacts from jobs where id = ?`, [jobId]))[0]!
    .artifacts;

describe('conformance agent', () => {
  it('is listed with the builtin agents and runs as its own workflow type, without a model', async () => {
    const agents = await env.h.http.get('/api/v1/agents').set('X-API-Key', t.key);
    expect(agents.body.agents.map((a: { id: string }) => a.id)).toContain(AGENT);
    const requests = env.openai.requests.length;
    const res = await chat({ message: 'tck-complete-task' });
    expect(res.body).toMatchObject({ status: 'success', message: 'Hello from TCK' });
    const described = await env.h.services.temporal.client.workflow
      .getHandle(`job:${res.body.job_id}`)
      .describe();
    expect(described.type).toBe('conformanceTurn');
    expect(env.openai.requests.length).toBe(requests);
  });

  it.each([
    ['tck-artifact-text', [{ kind: 'text', text: 'Generated text content' }]],
    ['tck-artifact-file', [{ kind: 'file', name: 'output.txt', mediaType: 'text/plain', base64: 'dGNr' }]],
    [
      'tck-artifact-file-url',
      [{ kind: 'file', name: 'output.txt', mediaType: 'text/plain', url: 'https://example.com/output.txt' }],
    ],
    ['tck-artifact-data', [{ kind: 'data', data: { key: 'value', count: 42 } }]],
  ])('%s records its artifact and completes', async (script, parts) => {
    const res = await chat({ message: `${script} now` });
    expect(res.body.status).toBe('success');
    expect(await artifactsOf(res.body.job_id)).toEqual([expect.objectContaining({ parts, chunks: 1 })]);
    expect((await jobAs(env.h, t, res.body.job_id)).body.status).toBe('success');
  });

  it('appends the chunks of a chunked artifact to one artifact, and announces them in order', async () => {
    // Inserted by hand so the test listens before the job starts: it sees every event.
    const agent = builtinAgent(AGENT)!;
    const job = {
      id: randomUUID(),
      workspaceId: t.workspaceId,
      agentId: AGENT,
      agentVersion: null,
      sessionId: null,
      source: 'a2a' as const,
      apiKeyId: t.apiKeyId,
      ownerId: t.ownerId,
      model: MODEL,
      message: 'stream it',
      context: null,
      idempotencyKey: null,
      idempotencyHash: null,
      a2a: { message_id: 'tck-stream-artifact-chunked-1' },
    };
    await insertJob(env.h.services.orm.em.fork(), job);
    const events: unknown[] = [];
    const unsubscribe = await env.h.services.events.subscribe(`job:${job.id}`, (e) => events.push(e));
    await launchJob(env.h.services, job, agent, { failJob: true });
    await env.h.services.temporal.client.workflow.getHandle(`job:${job.id}`).result();
    await until(() => events.length >= 4);
    await unsubscribe();
    const chunk = (text: string) => ({ id: 'chunked', parts: [{ kind: 'text' as const, text }] });
    expect(events).toEqual([
      { type: 'status', status: 'running' },
      { type: 'artifact', artifact: chunk('chunk-1 '), append: true, lastChunk: false },
      { type: 'artifact', artifact: chunk('chunk-2'), append: true, lastChunk: true },
      { type: 'status', status: 'success' },
    ]);
    // A retried chunk (an activity whose completion was lost) adds nothing.
    const store = new JobStore(env.h.services.orm.em.fork());
    expect(await store.addArtifact(job.id, chunk('chunk-2'), { append: true, chunk: 1 })).toBe(false);
    expect(await artifactsOf(job.id)).toEqual([
      {
        id: 'chunked',
        parts: [
          { kind: 'text', text: 'chunk-1 ' },
          { kind: 'text', text: 'chunk-2' },
        ],
        chunks: 2,
      },
    ]);
  });

  it('picks its script by the A2A message id first, and answers tck-message-response as a message', async () => {
    const { started, answer } = await a2aChat('tck-message-response-7', 'anything at all');
    expect(answer).toMatchObject({ status: 'success', message: 'Direct message response' });
    const [row] = await query<{ a2a: unknown }>(env.h, `select a2a from jobs where id = ?`, [started.jobId]);
    expect(row!.a2a).toEqual({ message_id: 'tck-message-response-7', reply_as_message: true });
  });

  it('asks on an unknown A2A message id, whatever the text says', async () => {
    const { answer } = await a2aChat('tck-send-003-ab12cd34', 'tck-complete-task');
    expect(answer).toMatchObject({ status: 'input_required', message: 'What should I echo?' });
  });

  it("continues over A2A by the reply's message id: asks again, again, then completes the same task", async () => {
    const { started, answer } = await a2aChat('tck-input-required-ab12cd34', 'start');
    expect(answer.status).toBe('input_required');
    expect(await reply(started, 'tck-input-required-ab12cd34')).toMatchObject({ status: 'input_required' });
    // Through the chat service too: a turn in the waiting session hands its message id on.
    const again = await a2aChat('tck-no-such-script-ab12cd34', 'TCK history message 2', {
      sessionId: started.sessionId,
    });
    expect(again.started.jobId).toBe(started.jobId);
    expect(again.answer).toMatchObject({ status: 'input_required', message: 'What should I echo?' });
    expect(await reply(started, 'tck-complete-task-ab12cd34')).toMatchObject({
      status: 'success',
      message: 'Hello from TCK',
    });
    const steps = await query<{ seq: number; output: { message_id: string } }>(
      env.h,
      `select seq, output from job_steps where job_id = ? order by seq`,
      [started.jobId],
    );
    expect(steps.map((s) => [s.seq, s.output.message_id])).toEqual([
      [1, 'tck-input-required-ab12cd34'],
      [2, 'tck-no-such-script-ab12cd34'],
      [3, 'tck-complete-task-ab12cd34'],
    ]);
  });

  it('plays the script a reply picks: an artifact, then completes', async () => {
    const { started } = await a2aChat('tck-input-required-ef56', 'start');
    expect((await reply(started, 'tck-artifact-text-ef56')).status).toBe('success');
    expect(await artifactsOf(started.jobId)).toEqual([
      expect.objectContaining({ parts: [{ kind: 'text', text: 'Generated text content' }] }),
    ]);
  });

  it('asks for input on tck-input-required and, continued, completes echoing the reply', async () => {
    const asked = await chat({ message: 'tck-input-required' });
    expect(asked.body).toMatchObject({ status: 'input_required', message: 'What should I echo?' });
    const done = await chat({ message: 'echo this', session_id: asked.body.session_id });
    expect(done.body).toMatchObject({ status: 'success', message: 'echo this', job_id: asked.body.job_id });
  });

  it('fails tck-reject-task with "rejected", and echoes any other message', async () => {
    const rejected = await chat({ message: 'tck-reject-task' });
    expect(rejected.status).toBe(500);
    expect(rejected.body.error).toBe('rejected');
    const echoed = await chat({ message: 'hello there' });
    expect(echoed.body).toMatchObject({ status: 'success', message: 'hello there' });
  });

  it('is cancelled while the long-running script works', async () => {
    const answer = chat({ message: 'test-resubscribe-message-id' }).then((r) => r);
    let jobId = '';
    await until(async () => {
      jobId = await latestJobId(env.h, t.workspaceId, 'test-resubscribe-message-id').catch(() => '');
      return jobId !== '' && (await jobAs(env.h, t, jobId)).body.status === 'running';
    });
    const cancel = await env.h.http.post(`/api/v1/jobs/${jobId}/cancel`).set('X-API-Key', t.key).send({});
    expect(cancel.body.status).toBe('cancelled');
    expect((await answer).status).toBe(409);
  });
});
