import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import type { ConformanceActivities } from '../../core/agents/conformance.ts';
import {
  jobWorkflowId,
  REQUEST_INPUT_TOOL,
  type AgentTurnActivities,
  type AgentTurnResult,
  type TurnPlan,
  type JobEvent,
  type TurnTool,
} from '../../core/agents/turn-contract.ts';
import { isTerminal, type JsonValue } from '../../core/run-status.ts';
import type { MikroORM } from '../../db/orm.ts';
import { JobStore, type JobRecord } from '../../domain/jobs/job-store.ts';
import type { JobConfig, ModelConfig } from '../../infra/config.ts';
import type { LiveEvents } from '../../infra/events/live-events.ts';
import type { ModelGateway } from '../models/model-gateway.ts';
import type { ToolBox } from '../tools/tool-box-contract.ts';
import { systemPrompt, turnMessages, type ModelStepOutput } from './conversation.ts';
import { createConformanceActivities } from './conformance.activities.ts';
import { modelCallFailure } from './turn-failures.ts';
import { BUDGET_EXCEEDED_MESSAGE, BudgetExceededError } from '../../core/errors.ts';
import { BudgetGuard } from '../../domain/billing/budget-guard.ts';
import { UsageLedger } from '../../domain/billing/usage-ledger.ts';
import type { TaskPushNotifier } from '../../domain/tasks/push-notifier.ts';

type Ended = AgentTurnResult['status'];
type StatusEvent = Extract<JobEvent, { type: 'status' }>;

/** Publishes a job's live events; a status change (awaited) also notifies the job's push configs. */
export interface JobEventPublisher {
  (jobId: string, event: StatusEvent, moved?: boolean): Promise<void>;
  (jobId: string, event: Exclude<JobEvent, StatusEvent>): void;
}

/** How often a model call heartbeats while it waits for the provider's first bytes. */
const WAITING_HEARTBEAT_MS = 5_000;

export interface AgentTurnDeps {
  readonly orm: MikroORM;
  readonly models: ModelConfig;
  readonly jobs: JobConfig;
  readonly gateway: ModelGateway;
  readonly tools: ToolBox;
  readonly events: LiveEvents;
  /** Status changes reach the job's A2A push configs through it. */
  readonly pushes: Pick<TaskPushNotifier, 'notify'>;
  readonly agents: {
    resolvePinned(
      workspaceId: string,
      agentId: string,
      version: number | null,
    ): Promise<AgentSpec | undefined>;
  };
}

/**
 * The activities of one agent turn (workflows/agent-turn.workflow.ts), and of the conformance agent's
 * (workflows/conformance-turn.workflow.ts), which records through the same store and publisher.
 */
export function createAgentTurnActivities(deps: AgentTurnDeps): AgentTurnActivities & ConformanceActivities {
  const store = () => new JobStore(deps.orm.em.fork());

  /**
   * Publishes a job's live event. A status change also starts the deliveries to the job's push
   * configs, awaited so that they are durable before the activity completes; with `moved` false (the
   * write found the job already there) it is not published again, but a retried write still notifies,
   * since the attempt that wrote it may have died first.
   */
  function publish(jobId: string, event: StatusEvent, moved?: boolean): Promise<void>;
  function publish(jobId: string, event: Exclude<JobEvent, StatusEvent>): void;
  function publish(jobId: string, event: JobEvent, moved = true): Promise<void> | void {
    if (moved) deps.events.publish(jobWorkflowId(jobId), event);
    if (event.type !== 'status') return;
    const { activityId, attempt } = Context.current().info;
    const message = event.error ?? event.message;
    return deps.pushes.notify({
      taskKind: 'job',
      taskId: jobId,
      status: event.status,
      // A job ends once, but may be running again after waiting for input: then the activity's id,
      // the same on every attempt and different for each of the turn's activities, tells them apart.
      seq: isTerminal(event.status) ? undefined : `${event.status}:${activityId}`,
      moved,
      retried: attempt > 1,
      ...(message === undefined ? {} : { message }),
    });
  }

  async function loadJob(jobId: string): Promise<JobRecord> {
    const job = await store().load(jobId);
    if (!job) throw ApplicationFailure.nonRetryable(`job ${jobId} does not exist`, 'JobNotRunnable');
    return job;
  }

  async function specOf(job: JobRecord): Promise<AgentSpec> {
    const spec = await deps.agents.resolvePinned(job.workspaceId, job.agentId, job.agentVersion);
    if (!spec) {
      throw ApplicationFailure.nonRetryable(`agent ${job.agentId} no longer exists`, 'JobNotRunnable');
    }
    return spec;
  }

  async function loadTurn(jobId: string): Promise<{ job: JobRecord; spec: AgentSpec }> {
    const job = await loadJob(jobId);
    return { job, spec: await specOf(job) };
  }

  /**
   * Marks the job running with its turn's tools; `ended` when it already ended (cancelled early).
   * Also answers the job as it now stands, so a model call that begins the turn need not read it again.
   */
  async function beginTurn(jobId: string): Promise<{ plan: TurnPlan; job?: JobRecord }> {
    const current = await loadJob(jobId);
    if (isTerminal(current.status)) return { plan: { ended: true, status: current.status as Ended } };
    const spec = await specOf(current);
    const plan = { ended: false, maxSteps: spec.maxSteps, callTimeoutMs: deps.models.callTimeoutMs } as const;
    // A retried beginning keeps the tools the turn began with: planned tool steps refer to them.
    if (current.status === 'running' && current.tools !== null) {
      await publish(jobId, { type: 'status', status: 'running' }, false);
      return { plan, job: current };
    }
    const tools = await deps.tools.discover(spec, current.workspaceId, Context.current().cancellationSignal);
    const status = await store().begin(jobId, tools);
    // Cancelled while its tools were being discovered.
    if (status !== 'running') {
      return { plan: { ended: true, status: status && isTerminal(status) ? (status as Ended) : 'failed' } };
    }
    await publish(jobId, { type: 'status', status: 'running' });
    return { plan, job: { ...current, status, tools } };
  }

  return {
    ...createConformanceActivities({ store, publish, workingMs: deps.jobs.conformanceWorkingMs }),

    beginAgentTurn: async ({ jobId }) => (await beginTurn(jobId)).plan,

    async callAgentModel({ jobId, seq, begin }) {
      // The turn's first call begins it too: one activity (and one workflow task) fewer per turn.
      const begun = begin ? await beginTurn(jobId) : undefined;
      if (begun?.plan.ended) return { final: true, toolSteps: [], ended: begun.plan.status };
      const job = begun?.job ?? (await loadJob(jobId));
      const jobs = store();
      // The reads the call needs are independent: made at once, each on its own connection, and
      // judged in the order they matter (agent, recorded steps, budget, history).
      const [specRead, stepsRead, budgetRead, historyRead] = await Promise.allSettled([
        specOf(job),
        jobs.steps(jobId),
        new BudgetGuard(deps.orm.em.fork()).assertWithinBudget(job.apiKeyId),
        job.sessionId ? store().history(job.sessionId, deps.models.historyTokens) : [],
      ]);
      const spec = settled(specRead);
      const steps = settled(stepsRead);
      const done = steps.find((s) => s.seq === seq && s.kind === 'model' && s.status === 'success');
      // A retry after the step was recorded (the completion was lost): answer from the record.
      if (done) return stepResult(seq, done.output as ModelStepOutput);
      const where = `step ${seq} (model ${job.model})`;
      try {
        settled(budgetRead);
      } catch (err) {
        if (!(err instanceof BudgetExceededError)) throw err;
        await jobs.writeStep(jobId, {
          seq,
          kind: 'model',
          name: job.model,
          status: 'failed',
          error: BUDGET_EXCEEDED_MESSAGE,
          finished: true,
        });
        throw ApplicationFailure.nonRetryable(`${where}: ${BUDGET_EXCEEDED_MESSAGE}`, 'BudgetExceeded');
      }
      const messages = turnMessages(settled(historyRead), job, steps);
      await jobs.writeStep(jobId, {
        seq,
        kind: 'model',
        name: job.model,
        status: 'running',
        input: { messages: messages.length, tools: (job.tools ?? []).map((t) => t.name) },
        error: null,
        started: true,
      });
      publish(jobId, { type: 'step', seq, kind: 'model', name: job.model, status: 'running' });
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), WAITING_HEARTBEAT_MS);
      let answer;
      try {
        answer = await deps.gateway.call({
          model: job.model,
          system: systemPrompt(spec.systemPrompt, job.context),
          messages,
          tools: job.tools ?? [],
          temperature: spec.temperature ?? undefined,
          signal: ctx.cancellationSignal,
          onTextDelta: (text) => {
            ctx.heartbeat();
            publish(jobId, { type: 'delta', seq, text });
          },
        });
      } catch (err) {
        const failure = modelCallFailure(err, where);
        if (failure !== err || !ctx.cancellationSignal.aborted) {
          const message = failure instanceof Error ? failure.message : String(failure);
          await jobs.writeStep(jobId, {
            seq,
            kind: 'model',
            name: job.model,
            status: 'failed',
            error: message,
            finished: true,
          });
          publish(jobId, { type: 'step', seq, kind: 'model', name: job.model, status: 'failed' });
        }
        throw failure;
      } finally {
        clearInterval(beat);
      }
      // Charged before anything else is written: one charge per step whatever retries follow.
      await new UsageLedger(deps.orm.em.fork(), deps.models.prices).record({
        chargeKey: `job:${jobId}:${seq}`,
        workspaceId: job.workspaceId,
        ownerId: job.ownerId,
        apiKeyId: job.apiKeyId,
        jobId,
        runId: job.runId,
        agentId: job.agentId,
        model: job.model,
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
      });
      const output: ModelStepOutput = {
        text: answer.text,
        tool_calls: answer.toolCalls.map((c) => ({ id: c.callId, name: c.name, args: c.args })),
        finish_reason: answer.finishReason,
      };
      // Tool steps exist before the model step is recorded done, so a retry never loses them.
      for (const [i, call] of output.tool_calls.entries()) {
        await jobs.writeStep(jobId, {
          seq: seq + 1 + i,
          kind: 'tool',
          name: call.name,
          toolCallId: call.id,
          status: 'pending',
          input: call.args ?? {},
        });
      }
      await jobs.writeStep(jobId, {
        seq,
        kind: 'model',
        name: job.model,
        status: 'success',
        output,
        error: null,
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        finished: true,
      });
      publish(jobId, { type: 'step', seq, kind: 'model', name: job.model, status: 'success' });
      return stepResult(seq, output);
    },

    async callAgentTool({ jobId, seq }) {
      const { job, spec } = await loadTurn(jobId);
      const jobs = store();
      const step = (await jobs.steps(jobId)).find((s) => s.seq === seq);
      // A tool's failure is final (the model reads it); only a lost completion brings us back here.
      if (!step || step.status === 'success' || step.status === 'failed') return;
      const base = { seq, kind: 'tool' as const, name: step.name };
      await jobs.writeStep(jobId, { ...base, status: 'running', started: true });
      publish(jobId, { type: 'step', seq, kind: 'tool', name: step.name, status: 'running' });
      const tool = (job.tools ?? []).find((t: TurnTool) => t.name === step.name);
      const ctx = Context.current();
      const outcome = tool
        ? await deps.tools.call(tool, step.input, spec, {
            workspaceId: job.workspaceId,
            jobId,
            ownerId: job.ownerId,
            apiKeyId: job.apiKeyId,
            context: (job.context ?? null) as JsonValue | null,
            signal: ctx.cancellationSignal,
            heartbeat: () => ctx.heartbeat(),
          })
        : { ok: false as const, error: unknownTool(step.name, job.tools ?? []) };
      // The turn pauses on the question (the workflow asks it); the reply will be the step's output.
      if (outcome.ok && tool && !tool.mcp && tool.name === REQUEST_INPUT_TOOL) {
        return { question: (step.input as { question: string }).question };
      }
      await jobs.writeStep(jobId, {
        ...base,
        status: outcome.ok ? 'success' : 'failed',
        output: outcome.ok ? outcome.output : null,
        error: outcome.ok ? null : outcome.error,
        finished: true,
      });
      publish(jobId, {
        type: 'step',
        seq,
        kind: 'tool',
        name: step.name,
        status: outcome.ok ? 'success' : 'failed',
      });
    },

    async pauseJobForInput({ jobId, seq, question }) {
      const jobs = store();
      const base = { seq, kind: 'tool' as const, name: REQUEST_INPUT_TOOL };
      await jobs.writeStep(jobId, { ...base, status: 'running', input: { question }, started: true });
      const moved = await jobs.moveLive(jobId, 'input_required');
      await publish(jobId, { type: 'status', status: 'input_required', message: question }, moved);
      return { timeoutMs: deps.jobs.inputTimeoutMs };
    },

    async resumeJobWithInput({ jobId, seq, input }) {
      const jobs = store();
      const output = {
        reply: input.message,
        message_id: input.messageId ?? null,
        ...(input.context !== undefined ? { context: input.context } : {}),
      };
      const base = { seq, kind: 'tool' as const, name: REQUEST_INPUT_TOOL };
      await jobs.writeStep(jobId, { ...base, status: 'success', output, error: null, finished: true });
      publish(jobId, { type: 'step', ...base, status: 'success' });
      const moved = await jobs.moveLive(jobId, 'running');
      await publish(jobId, { type: 'status', status: 'running' }, moved);
    },

    async finishAgentTurn({ jobId, outcome }) {
      const moved = await store().finish(jobId, outcome);
      await publish(
        jobId,
        {
          type: 'status',
          status: outcome.status,
          ...(outcome.status === 'failed' ? { error: outcome.error } : {}),
        },
        moved,
      );
    },
  };
}

/** The value of a settled read, or its error thrown. */
function settled<T>(read: PromiseSettledResult<T>): T {
  if (read.status === 'rejected') throw read.reason;
  return read.value;
}

function stepResult(seq: number, output: ModelStepOutput) {
  return { final: output.tool_calls.length === 0, toolSteps: output.tool_calls.map((_, i) => seq + 1 + i) };
}

function unknownTool(name: string, tools: readonly TurnTool[]): string {
  const names = tools.map((t) => t.name);
  return `unknown tool "${name}"; this agent's tools are: ${names.length ? names.join(', ') : 'none'}`;
}
