/**
 * An agent asks its caller (the `request_input` tool): the job pauses durably `input_required`, the
 * chat answers with the question, and the next message in the session continues the same job, whose
 * tool step records the reply. Also: cancel while waiting, the bounded wait, and continueJob's refusals.
 */
import { continueJob } from '../../domain/jobs/job-input.service.ts';
import { awaitJobSettled } from '../../domain/jobs/job-wait.ts';
import type { Caller } from '../../domain/tenants/caller.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { type ChatEnv, chatAs, jobAs, saveAgent, startChatEnv, stopChatEnv } from './chat-fixtures.ts';

/** Long enough to continue a paused job in a test, short enough to watch one time out. */
const INPUT_TIMEOUT_MS = 4000;

let env: ChatEnv;
let t: Tenant;
let other: Tenant;
let asker: string;

beforeAll(async () => {
  env = await startChatEnv({ JOB_INPUT_TIMEOUT_MS: String(INPUT_TIMEOUT_MS) });
  t = await createTenant(env.h);
  other = await createTenant(env.h);
  asker = await saveAgent(env.h, t, { name: 'asker', tools: ['request_input'], max_steps: 3 });
});
afterAll(() => stopChatEnv(env));

const callerOf = (tenant: Tenant): Caller => ({ ...tenant, scopes: ['agents'] });
const askCity = () =>
  env.openai.enqueue({
    toolCalls: [{ id: 'call_q', name: 'request_input', args: { question: 'Which city?' } }],
  });

/** Starts a turn that asks "Which city?" and answers once it waits. */
async function pausedTurn(message: string) {
  askCity();
  const res = await chatAs(env.h, t, { agent_id: asker, message });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'input_required', message: 'Which city?' });
  return res.body as { job_id: string; session_id: string };
}

describe('input required', () => {
  it('pauses on request_input, and the next message in the session continues the same job', async () => {
    const paused = await pausedTurn('What is the weather?');
    const waiting = await jobAs(env.h, t, paused.job_id);
    expect(waiting.body.status).toBe('input_required');
    expect(waiting.body.steps[1]).toMatchObject({
      seq: 2,
      kind: 'tool',
      name: 'request_input',
      status: 'running',
      input: { question: 'Which city?' },
    });
    const listed = await env.h.http.get('/api/v1/jobs?status=input_required').set('X-API-Key', t.key);
    expect(listed.body.jobs.map((j: { job_id: string }) => j.job_id)).toContain(paused.job_id);

    env.openai.enqueue({ text: 'Sunny in Paris.' });
    const answer = await chatAs(env.h, t, {
      agent_id: asker,
      message: 'Paris',
      session_id: paused.session_id,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'success',
      message: 'Sunny in Paris.',
      job_id: paused.job_id,
    });
    const done = await jobAs(env.h, t, paused.job_id);
    expect(done.body).toMatchObject({ status: 'success', final_message: 'Sunny in Paris.' });
    expect(done.body.steps[1]).toMatchObject({
      name: 'request_input',
      status: 'success',
      output: { reply: 'Paris', message_id: null },
    });
    // The model read the reply as the tool call's result.
    const sent = env.openai.requests.at(-1)!.body.messages as { role: string; content: unknown }[];
    expect(JSON.stringify(sent.find((m) => m.role === 'tool'))).toContain('Paris');
  });

  it('cancels a job waiting for input', async () => {
    const paused = await pausedTurn('Cancel me while you wait');
    const cancel = await env.h.http
      .post(`/api/v1/jobs/${paused.job_id}/cancel`)
      .set('X-API-Key', t.key)
      .send({});
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    expect(cancel.body.steps[1]).toMatchObject({ name: 'request_input', status: 'cancelled' });
  });

  it('continues only a waiting job of the caller’s workspace; awaitJobSettled sees the pause', async () => {
    const paused = await pausedTurn('Who asks?');
    await expect(
      continueJob(env.h.services, callerOf(other), paused.job_id, { message: 'x' }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(await awaitJobSettled(env.h.services, paused.job_id, new AbortController().signal)).toBe(true);
    env.openai.enqueue({ text: 'Thanks.' });
    await continueJob(env.h.services, callerOf(t), paused.job_id, { message: 'Me', messageId: 'm-1' });
    expect(await awaitJobSettled(env.h.services, paused.job_id, new AbortController().signal)).toBe(true);
    const done = await jobAs(env.h, t, paused.job_id);
    expect(done.body.status).toBe('success');
    expect(done.body.steps[1].output).toEqual({ reply: 'Me', message_id: 'm-1' });
    await expect(
      continueJob(env.h.services, callerOf(t), paused.job_id, { message: 'again' }),
    ).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('Job is success'),
    });
  });

  it('fails a job whose question gets no reply within JOB_INPUT_TIMEOUT_MS', async () => {
    const paused = await pausedTurn('Nobody will answer');
    await expect(
      env.h.services.temporal.client.workflow.getHandle(`job:${paused.job_id}`).result(),
    ).rejects.toThrow();
    const failed = await jobAs(env.h, t, paused.job_id);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error).toContain('JOB_INPUT_TIMEOUT_MS');
    expect(failed.body.steps[1]).toMatchObject({ name: 'request_input', status: 'failed' });
  });
});
