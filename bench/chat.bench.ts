/**
 * Chat benchmark (`npm run bench:chat`): POST /api/v1/agent/chat through the real API against a
 * hand-written Temporal workflow that makes the same model call from one activity, side by side
 * (interleaved rounds, after a warm-up) on the same dev server, worker and task queue. Both call the
 * same stand-in OpenAI-compatible provider (test/helpers/stand-ins), which answers at once, so what
 * is measured is everything around the model call. The dagen side is a custom agent without tools
 * (one model call, as the baseline makes), over HTTP with a keep-alive agent and an API key.
 * Prints p50/p99 of each side and their ratios (target ≤ 1.3 at p50), the worker's RSS before and
 * after, then where each side's time goes, phase by phase (bench/agents/chat-breakdown.ts).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { applyAgent } from '../domain/agents/agents.service.ts';
import { openAiCompatibleServer } from '../test/helpers/stand-ins/openai-compatible-server.ts';
import { printBreakdown, wallNow, type TimedCall } from './agents/chat-breakdown.ts';
import type { BaselineChatInput } from './agents/baseline-chat.activities.ts';
import { startBenchStack, type BenchStack } from './engine/bench-stack.ts';
import { MB, rssOf } from './support/rss.ts';
import { interleave, printTable } from './support/side-by-side.ts';
import { reportRatio } from './support/stats.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
/** Calls of each side, from the end of the measured rounds, whose phases are broken down. */
const BREAKDOWN_CALLS = Number(process.env.BENCH_BREAKDOWN_CALLS ?? 50);
const MODEL = 'standin/bench-model';
const SYSTEM = 'You are a helpful assistant. Answer briefly.';
const MESSAGE = 'What is the capital of France?';
const ANSWER = 'The capital of France is Paris.';

interface ChatAnswer {
  message?: string;
  job_id?: string;
  error?: string;
}

async function main(): Promise<void> {
  const standIn = await openAiCompatibleServer().start();
  standIn.setDefault({ text: ANSWER, usage: { inputTokens: 24, outputTokens: 8 } });
  const stack = await startBenchStack({
    env: {
      DAGEN_MODEL_PROVIDERS: JSON.stringify({
        standin: { protocol: 'openai-compatible', base_url: standIn.baseUrl, api_key: 'sk-bench-stand-in' },
      }),
      DAGEN_DEFAULT_MODEL: MODEL,
      DAGEN_MODEL_PRICES: JSON.stringify({
        [MODEL]: { input_micros_per_million: 150_000, output_micros_per_million: 600_000 },
      }),
    },
  });
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const results: boolean[] = [];
  try {
    const agent = await applyAgent(
      stack.services.orm.em.fork(),
      stack.services.config.models,
      stack.workspaceId,
      { name: `bench-chat-${randomUUID()}`, model: MODEL, system_prompt: SYSTEM, tools: [] },
    );
    const client = stack.services.temporal.client;
    const calls = { dagen: [] as TimedCall[], baseline: [] as TimedCall[] };
    const dagen = async () => {
      const sent = wallNow();
      const answer = await postChat(stack, keepAlive, { agent_id: agent.id, message: MESSAGE });
      calls.dagen.push({
        workflowId: `job:${answer.job_id}`,
        jobId: answer.job_id,
        sent,
        answered: wallNow(),
      });
    };
    const baseline = async () => {
      const sent = wallNow();
      const workflowId = `baseline:${randomUUID()}`;
      const input: BaselineChatInput = { system: SYSTEM, message: MESSAGE };
      const text = await client.workflow.execute('baselineChat', {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [input],
      });
      if (text !== ANSWER) throw new Error(`the baseline answered ${JSON.stringify(text)}`);
      calls.baseline.push({ workflowId, sent, answered: wallNow() });
    };
    console.log(`chat bench: api ${stack.apiUrl}, stand-in ${standIn.baseUrl}, ${ITERATIONS} rounds\n`);

    const rssBefore = rssOf(stack.workerPid);
    const [ours, theirs] = await interleave(ITERATIONS, [dagen, baseline]);
    const rssAfter = rssOf(stack.workerPid);
    printTable('one chat turn, stand-in model answering at once', { dagen: ours, temporal: theirs });
    results.push(reportRatio('chat p50', ours.p50, theirs.p50, { max: 1.3 }));
    reportRatio('chat p99', ours.p99, theirs.p99);
    console.log(
      `worker RSS: ${(rssBefore / MB).toFixed(0)} MB before, ${(rssAfter / MB).toFixed(0)} MB after ` +
        `${2 * calls.baseline.length} turns (warm-up included)`,
    );
    await printBreakdown(client, stack.services.orm.em.fork(), {
      dagen: calls.dagen.slice(-BREAKDOWN_CALLS),
      baseline: calls.baseline.slice(-BREAKDOWN_CALLS),
    });
  } finally {
    keepAlive.destroy();
    await stack.close();
    await standIn.close();
  }
  console.log(`\n${results.filter(Boolean).length}/${results.length} targets met`);
}

/** One chat request over the keep-alive agent; throws unless it answers 200 with the stand-in's text. */
async function postChat(stack: BenchStack, agent: http.Agent, body: unknown): Promise<ChatAnswer> {
  const payload = JSON.stringify(body);
  const url = new URL('/api/v1/agent/chat', stack.apiUrl);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-api-key': stack.nextKey(),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  const answer = JSON.parse(text) as ChatAnswer;
  if (status !== 200 || answer.message !== ANSWER || !answer.job_id) {
    throw new Error(`chat answered ${status} ${text}`);
  }
  return answer;
}

await main();
