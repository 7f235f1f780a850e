/**
 * An `agent` node in a workflow run, started through the run API: the turn runs as a job of its own
 * (source `workflow`), billed to the run's owner, and its answer feeds the nodes after it.
 */
import { as, saveWorkflow } from '../runs/run-fixtures.ts';
import { lastUserText } from '../helpers/stand-ins/stand-in-server.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import {
  type ChatEnv,
  expectedCost,
  jobAs,
  MODEL,
  query,
  startChatEnv,
  stopChatEnv,
} from './chat-fixtures.ts';

let env: ChatEnv;
let t: Tenant;

beforeAll(async () => {
  env = await startChatEnv();
  t = await createTenant(env.h);
});
afterAll(() => stopChatEnv(env));

/** Summarise `input.text`, then shout the summary. */
const SUMMARISE_THEN_SHOUT = {
  nodes: [
    {
      id: 'ask',
      type: 'agent' as const,
      with: { agent_id: 'builtin:summarizer', message: '{{ input.text }}' },
    },
    {
      id: 'shout',
      type: 'transform' as const,
      needs: ['ask'],
      with: { expression: '$uppercase(nodes.ask.output.message)' },
    },
  ],
};

describe('agent nodes in workflows', () => {
  it('runs the turn as a workflow job billed to the run’s owner, and hands its answer on', async () => {
    const wf = await saveWorkflow(env.h, t, SUMMARISE_THEN_SHOUT);
    env.openai.enqueue({ text: 'Cats sleep a lot.', usage: { inputTokens: 300, outputTokens: 20 } });
    const before = env.openai.requests.length;
    const res = await as(env.h, t).run(wf.id, {
      input_data: { text: 'Cats sleep for most of the day, often 16 hours.' },
      wait: true,
      timeout: 60,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', error_message: null });
    expect(lastUserText(env.openai.requests[before]!)).toBe(
      'Cats sleep for most of the day, often 16 hours.',
    );
    const steps = Object.fromEntries(
      (res.body.steps as { node_id: string; output: unknown }[]).map((s) => [s.node_id, s.output]),
    );
    expect(steps.ask).toEqual({ message: 'Cats sleep a lot.', job_id: expect.any(String), model: MODEL });
    expect(steps.shout).toBe('CATS SLEEP A LOT.');

    const jobId = (steps.ask as { job_id: string }).job_id;
    const job = await jobAs(env.h, t, jobId);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      status: 'success',
      source: 'workflow',
      run_id: res.body.run_id,
      agent_id: 'builtin:summarizer',
      api_key_id: t.apiKeyId,
      final_message: 'Cats sleep a lot.',
    });
    const ledger = await query(
      env.h,
      `select run_id, owner_id, api_key_id, agent_id, cost_micros from usage_records where job_id = ?`,
      [jobId],
    );
    expect(ledger).toEqual([
      {
        run_id: res.body.run_id,
        owner_id: t.ownerId,
        api_key_id: t.apiKeyId,
        agent_id: 'builtin:summarizer',
        cost_micros: String(expectedCost(300, 20)),
      },
    ]);
  });

  it('fails the run when the provider refuses the turn, naming the agent failure', async () => {
    const wf = await saveWorkflow(env.h, t, SUMMARISE_THEN_SHOUT);
    env.openai.enqueue({ status: 400, message: 'model gpt-test does not support this' });
    const before = env.openai.requests.length;
    const res = await as(env.h, t).run(wf.id, { input_data: { text: 'anything' }, wait: true, timeout: 60 });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.error_message).toMatch(
      /^node "ask" failed: agent turn [0-9a-f-]{36} failed: step 1 \(model standin\/gpt-test\): .*400/,
    );
    expect(env.openai.requests.length - before).toBe(1);
    const steps = res.body.steps as { node_id: string; status: string }[];
    expect(steps.find((s) => s.node_id === 'ask')).toMatchObject({ status: 'failed' });
    expect(steps.find((s) => s.node_id === 'shout')?.status).not.toBe('success');
    const [job] = await query<{ status: string; source: string }>(
      env.h,
      `select status, source from jobs where run_id = ?`,
      [res.body.run_id],
    );
    expect(job).toEqual({ status: 'failed', source: 'workflow' });
  });
});
