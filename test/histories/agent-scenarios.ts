// Agent-turn scenarios for record.ts: `agentTurn` executions (job:<id>) started through the real
// chat API, and a dagRun whose `agent` node runs a job, all against an OpenAI-compatible stand-in;
// and an A2A push notification's delivery.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { jobWorkflowId } from '../../core/agents/turn-contract.ts';
import { pushWorkflowId } from '../../core/tasks/push-contract.ts';
import { AgentRegistry } from '../../domain/agents/agent-registry.ts';
import { awaitChat, startChat } from '../../domain/jobs/chat.service.ts';
import { continueJob } from '../../domain/jobs/job-input.service.ts';
import { TaskPushConfigs } from '../../domain/tasks/push-configs.ts';
import { TaskPushNotifier } from '../../domain/tasks/push-notifier.ts';
import type { Caller } from '../../domain/tenants/caller.ts';
import { TestReceiver } from '../a2a/test-receiver.ts';
import type { Harness } from '../helpers/harness.ts';
import type { StandInServer } from '../helpers/stand-ins/stand-in-server.ts';
import type { Tenant } from '../helpers/tenant.ts';
import { latestJobId, saveAgent } from '../agents/chat-fixtures.ts';
import { saveWorkflow } from '../runs/run-fixtures.ts';

export interface AgentScenarioEnv {
  readonly h: Harness;
  readonly tenant: Tenant;
  /** The provider `standin` of the harness (DAGEN_DEFAULT_MODEL is standin/gpt-test). */
  readonly openai: StandInServer;
}

/** The executions a scenario leaves to record, by file-name suffix ('' for `<name>.json`). */
export type Recorded = Record<string, WorkflowHandle>;

export interface AgentScenario {
  readonly name: string;
  /** Runs the scenario until every execution it returns has closed or is about to. */
  run(env: AgentScenarioEnv): Promise<Recorded>;
}

function chat(env: AgentScenarioEnv, body: Record<string, unknown>) {
  return env.h.http.post('/api/v1/agent/chat').set('X-API-Key', env.tenant.key).send(body);
}

/** Sends one chat turn, checks the answer's status, and returns the turn's execution. */
async function turn(env: AgentScenarioEnv, body: Record<string, unknown>, status: number): Promise<Recorded> {
  const res = await chat(env, body);
  expectStatus(res.status, status, res.body);
  return { '': jobHandle(env.h, String(res.body.job_id)) };
}

function jobHandle(h: Harness, jobId: string): WorkflowHandle {
  return h.services.temporal.client.workflow.getHandle(jobWorkflowId(jobId));
}

function expectStatus(actual: number, expected: number, body: unknown): void {
  if (actual !== expected) {
    throw new Error(`expected ${expected}, got ${actual}: ${JSON.stringify(body)}`);
  }
}

export const AGENT_SCENARIOS: AgentScenario[] = [
  {
    // Model call → two tool calls in parallel (one succeeds, one fails: the model reads both) → answer.
    name: 'agent-turn-parallel-tools',
    run: (env) => {
      env.openai.enqueue(
        {
          toolCalls: [
            { id: 'call_a', name: 'current_time', args: { timezone: 'Asia/Tokyo' } },
            { id: 'call_b', name: 'current_time', args: { timezone: 'Mars/Olympus_Mons' } },
          ],
        },
        { text: 'It is evening in Tokyo; Mars has no time zone.' },
      );
      return turn(env, { agent_id: 'builtin:assistant', message: 'What time is it in Tokyo and on Mars?' }, 200);
    },
  },
  {
    // The provider refuses the request (400): not retried, the job is recorded failed, the turn fails.
    name: 'agent-turn-provider-400',
    run: (env) => {
      env.openai.enqueue({ status: 400, message: 'model gpt-test does not support this' });
      return turn(env, { agent_id: 'builtin:assistant', message: 'refused' }, 500);
    },
  },
  {
    // Every model call asks for a tool: the loop ends at max_steps and the turn fails.
    name: 'agent-turn-max-steps',
    run: async (env) => {
      const agentId = await saveAgent(env.h, env.tenant, {
        name: 'replay-looper',
        tools: ['current_time'],
        max_steps: 2,
      });
      env.openai.enqueue(
        { toolCalls: [{ name: 'current_time', args: {} }] },
        { toolCalls: [{ name: 'current_time', args: {} }] },
      );
      return turn(env, { agent_id: agentId, message: 'loop' }, 500);
    },
  },
  {
    // POST /api/v1/jobs/:id/cancel while the model streams slowly: the turn records itself cancelled.
    name: 'agent-turn-cancelled-during-model-call',
    run: async (env) => {
      env.openai.enqueue({ text: 'word '.repeat(200), chunks: 200, chunkDelayMs: 100 });
      const requests = env.openai.requests.length + 1;
      const answer = chat(env, { agent_id: 'builtin:assistant', message: 'talk slowly' }).then((r) => r);
      await env.openai.waitForRequests(requests);
      const jobId = await latestJobId(env.h, env.tenant.workspaceId, 'talk slowly');
      const cancel = await env.h.http
        .post(`/api/v1/jobs/${jobId}/cancel`)
        .set('X-API-Key', env.tenant.key)
        .send({});
      expectStatus(cancel.status, 200, cancel.body);
      const res = await answer;
      expectStatus(res.status, 409, res.body);
      return { '': jobHandle(env.h, jobId) };
    },
  },
  {
    // A dagRun whose `agent` node runs a job (billed to the run's owner), and a node reading its output.
    // Both executions are kept: the run, and the node's turn as `<name>-job.json`.
    name: 'dag-agent-node',
    run: async (env) => {
      env.openai.enqueue({ text: 'Temporal replays histories.' });
      const wf = await saveWorkflow(env.h, env.tenant, {
        nodes: [
          {
            id: 'ask',
            type: 'agent',
            with: { agent_id: 'builtin:assistant', message: 'Summarize {{ input.topic }}' },
          },
          {
            id: 'shout',
            type: 'transform',
            needs: ['ask'],
            with: { expression: '$uppercase(nodes.ask.output.message)' },
          },
        ],
        output: '{ "summary": nodes.shout.output, "job_id": nodes.ask.output.job_id }',
      });
      const res = await env.h.http
        .post(`/api/v1/workflow/${wf.id}/run`)
        .set('X-API-Key', env.tenant.key)
        .send({ input_data: { topic: 'replay' }, wait: true, timeout: 120 });
      expectStatus(res.status, 200, res.body);
      if (res.body.status !== 'success') throw new Error(`the run ended ${JSON.stringify(res.body)}`);
      return {
        '': env.h.services.temporal.client.workflow.getHandle(`run:${res.body.run_id}`),
        '-job': jobHandle(env.h, String(res.body.output_data.job_id)),
      };
    },
  },
];

/** A turn of an agent that may ask (request_input) which asks, and answers with the paused job's id. */
async function askingTurn(env: AgentScenarioEnv, name: string, message: string): Promise<string> {
  const agentId = await saveAgent(env.h, env.tenant, { name, tools: ['request_input'], max_steps: 3 });
  env.openai.enqueue({ toolCalls: [{ id: 'call_q', name: 'request_input', args: { question: 'Which city?' } }] });
  const res = await chat(env, { agent_id: agentId, message });
  expectStatus(res.status, 200, res.body);
  if (res.body.status !== 'input_required') throw new Error(`the turn did not ask: ${JSON.stringify(res.body)}`);
  return String(res.body.job_id);
}

AGENT_SCENARIOS.push(
  {
    // request_input pauses the turn input_required; the next chat in the session continues it.
    name: 'agent-turn-input-required-continued',
    run: async (env) => {
      const jobId = await askingTurn(env, 'replay-asker', 'What is the weather?');
      env.openai.enqueue({ text: 'Sunny in Paris.' });
      const [job] = await env.h.services.orm.em
        .fork()
        .getConnection()
        .execute<{ session_id: string; agent_id: string }[]>(`select session_id, agent_id from jobs where id = ?`, [jobId]);
      const res = await chat(env, { agent_id: job!.agent_id, message: 'Paris', session_id: job!.session_id });
      expectStatus(res.status, 200, res.body);
      return { '': jobHandle(env.h, jobId) };
    },
  },
  {
    // Cancelled while it waits for the caller's reply.
    name: 'agent-turn-cancelled-while-input-required',
    run: async (env) => {
      const jobId = await askingTurn(env, 'replay-asker-cancelled', 'Cancel me while you wait');
      const cancel = await env.h.http.post(`/api/v1/jobs/${jobId}/cancel`).set('X-API-Key', env.tenant.key).send({});
      expectStatus(cancel.status, 200, cancel.body);
      return { '': jobHandle(env.h, jobId) };
    },
  },
  {
    // The conformance agent's `conformanceTurn` over A2A: asks, a reply asks again, the next completes.
    name: 'conformance-turn-input-required-twice',
    run: async (env) => {
      const caller: Caller = { ...env.tenant, scopes: ['agents'] };
      const started = await startChat(
        { services: env.h.services, agents: new AgentRegistry(env.h.services.orm, env.h.config.models) },
        caller,
        {
          agentId: 'builtin:conformance',
          message: 'start',
          source: 'a2a',
          a2a: { message_id: 'tck-input-required-1' },
        },
      );
      const stop = new AbortController().signal;
      await awaitChat(env.h.services, started, stop);
      for (const messageId of ['tck-input-required-2', 'tck-complete-task-3']) {
        await continueJob(env.h.services, caller, started.jobId, { message: messageId, messageId });
        await awaitChat(env.h.services, started, stop);
      }
      return { '': jobHandle(env.h, started.jobId) };
    },
  },
  {
    // Running, two chunks of one artifact, completed.
    name: 'conformance-turn-chunked-artifact',
    run: (env) => turn(env, { agent_id: 'builtin:conformance', message: 'tck-stream-artifact-chunked' }, 200),
  },
  {
    // A task's push notification (`pushDelivery`): the receiver fails the first POST, the retry delivers.
    name: 'push-delivery-retried-once',
    run: async (env) => {
      const receiver = await new TestReceiver().start();
      try {
        receiver.enqueue({ status: 503 });
        const taskId = randomUUID();
        const { orm, temporal } = env.h.services;
        await new TaskPushConfigs(orm.em.fork()).create(env.tenant.workspaceId, taskId, {
          id: 'hook',
          url: receiver.url,
        });
        await new TaskPushNotifier({ orm, config: env.h.config, temporal }).notify({
          taskKind: 'run',
          taskId,
          status: 'success',
          moved: true,
        });
        const handle = temporal.client.workflow.getHandle(pushWorkflowId(taskId, 'hook', 'success'));
        await handle.result();
        return { '': handle };
      } finally {
        await receiver.close();
      }
    },
  },
);

/**
 * Since the patch `agent-turn-begins-in-first-model-call`, a turn's first model call begins it: these
 * turns again, recorded on that path (the ones above keep the path of turns started before it).
 */
const BEGUN_IN_FIRST_CALL = [
  'agent-turn-parallel-tools',
  'agent-turn-provider-400',
  'agent-turn-cancelled-during-model-call',
];
AGENT_SCENARIOS.push(
  ...AGENT_SCENARIOS.filter((s) => BEGUN_IN_FIRST_CALL.includes(s.name)).map((s) => ({
    ...s,
    name: `${s.name}-begun-in-first-call`,
  })),
);
