import { patched, proxyActivities } from '@temporalio/workflow';
import type { AgentTurnActivities, AgentTurnInput, AgentTurnResult } from '../core/agents/turn-contract.ts';
import { failFastOnDatabase, pausingForDatabase } from './database-pause.ts';
import { INPUT_REQUIRED_PATCH, JobInputs } from './job-input.ts';
import { finish, records, RECORD_RETRY, recordedTurn } from './job-turn.ts';

/** Guards the first model call beginning the turn (docs/workflow-code-changes.md). */
export const BEGIN_IN_FIRST_CALL_PATCH = 'agent-turn-begins-in-first-model-call';

/** A model or tool call that stops heartbeating this long is presumed lost with its worker. */
const CALL_HEARTBEAT_TIMEOUT = '30 seconds';
/**
 * Provider failures worth another try (5xx, network, 429 after its retry-after): a few, with backoff.
 * A refused request, an exceeded budget or an unknown provider is never retried.
 */
const MODEL_RETRY = {
  maximumAttempts: 5,
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: [
    'ModelRequestRejected',
    'BudgetExceeded',
    'UnknownModelProvider',
    'JobNotRunnable',
  ],
};
/** A tool's own failure is its output (the model reads it); only infrastructure errors retry. */
const TOOL_RETRY = { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 };
/** Discovery of MCP tools at the start of a turn. */
const BEGIN_TIMEOUT_MS = 60_000;
/** The longest one tool call may take (run_workflow waits for a whole run). */
const TOOL_TIMEOUT_MS = 10 * 60_000;

// Proxies are made inside the workflow: `patched()` (in the database pause) needs a running workflow.
const begin = () =>
  pausingForDatabase(
    proxyActivities<AgentTurnActivities>({
      startToCloseTimeout: BEGIN_TIMEOUT_MS,
      retry: failFastOnDatabase({ ...RECORD_RETRY, maximumAttempts: 5 }),
      summary: 'begin turn (discover tools)',
    }),
  );
const tools = () =>
  pausingForDatabase(
    proxyActivities<AgentTurnActivities>({
      startToCloseTimeout: TOOL_TIMEOUT_MS,
      heartbeatTimeout: CALL_HEARTBEAT_TIMEOUT,
      retry: failFastOnDatabase(TOOL_RETRY),
      summary: 'tool call',
    }),
  );

function models(callTimeoutMs: number, summary: string) {
  return pausingForDatabase(
    proxyActivities<AgentTurnActivities>({
      startToCloseTimeout: callTimeoutMs,
      heartbeatTimeout: CALL_HEARTBEAT_TIMEOUT,
      retry: failFastOnDatabase(MODEL_RETRY),
      summary,
    }),
  );
}

/**
 * One agent turn, `job:<jobId>`: model call → the tool calls it asked for (in parallel) → model call,
 * until a final answer or the agent's max steps. Every call is an activity that records its own job
 * step; the job's final row is written before the workflow completes, so when the result settles
 * Postgres already agrees. A failure is recorded, then thrown (Temporal shows Failed); a cancellation
 * is recorded in a non-cancellable scope, then rethrown. A tool call of `request_input` pauses the
 * turn until the caller replies (JobInputs); the reply is that tool call's output.
 */
export async function agentTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
  const { jobId } = input;
  const inputs = new JobInputs(records);
  return recordedTurn(jobId, async () => {
    // Starts that know the plan let the first model call begin the turn: one workflow task fewer.
    const beginsInCall = input.plan !== undefined && patched(BEGIN_IN_FIRST_CALL_PATCH);
    const plan = beginsInCall
      ? { ended: false as const, ...input.plan! }
      : await begin().beginAgentTurn({ jobId });
    if (plan.ended) return { jobId, status: plan.status };
    let seq = 1;
    for (let call = 1; call <= plan.maxSteps; call++) {
      const step = await models(plan.callTimeoutMs, `model call ${call}`).callAgentModel({
        jobId,
        seq,
        ...(beginsInCall && call === 1 ? { begin: true } : {}),
      });
      if (step.ended) return { jobId, status: step.ended };
      if (step.final) return await finish(jobId, { status: 'success' });
      const called = await Promise.all(
        step.toolSteps.map((toolSeq) => tools().callAgentTool({ jobId, seq: toolSeq })),
      );
      // Histories from before the patch have no questions: their tool calls answer nothing.
      for (const [i, result] of called.entries()) {
        if (result?.question !== undefined && patched(INPUT_REQUIRED_PATCH)) {
          await inputs.ask(jobId, step.toolSteps[i]!, result.question);
        }
      }
      seq = Math.max(seq, ...step.toolSteps) + 1;
    }
    return { error: `the agent made ${plan.maxSteps} model calls (its max_steps) without a final answer` };
  });
}
