import { randomUUID } from 'node:crypto';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import { jobWorkflowId } from '../../core/agents/turn-contract.ts';
import { AppError, NotFoundError } from '../../core/errors.ts';
import type { RunStatus } from '../../core/run-status.ts';
import type { RunServices } from '../runs/run-launcher.ts';
import { chooseModel } from '../agents/model-choice.ts';
import { BudgetGuard } from '../billing/budget-guard.ts';
import { insertJob, launchJob } from './job-launcher.ts';
import { JobStore } from './job-store.ts';

/** What an `agent` node asks for. */
export interface AgentNodeRequest {
  readonly runId: string;
  readonly nodeId: string;
  readonly workspaceId: string;
  readonly agentId: string;
  readonly message: string;
  readonly modelId?: string | undefined;
  /** The node's activity cancellation: cancels the job's turn too. */
  readonly signal: AbortSignal;
}

/** An `agent` node's output. */
export interface AgentNodeAnswer {
  readonly message: string;
  readonly job_id: string;
  readonly model: string;
}

export interface AgentNodeDeps {
  readonly services: RunServices;
  readonly agents: { resolve(workspaceId: string, agentId: string): Promise<AgentSpec | undefined> };
}

/**
 * Runs one agent turn for an `agent` node, as a job of its own (`job:<id>`, source `workflow`) billed
 * to the run's owner and key. A retried node attempt finds the job its earlier attempt started while
 * that one is live or succeeded, so a lost worker never makes a second turn (or a second charge);
 * after a failed turn, the retry starts a new one. Throws the job's error when the turn fails.
 */
export async function runAgentNodeTurn(
  deps: AgentNodeDeps,
  request: AgentNodeRequest,
): Promise<AgentNodeAnswer> {
  const { services } = deps;
  const conn = services.orm.em.fork().getConnection();
  const agent = await deps.agents.resolve(request.workspaceId, request.agentId);
  if (!agent) throw new NotFoundError(`Agent "${request.agentId}"`);
  const earlier = await conn.execute<{ id: string; status: RunStatus; model: string }[]>(
    `select id, status, model from jobs where run_id = ? and node_id = ? order by created_at desc limit 1`,
    [request.runId, request.nodeId],
  );
  let job =
    earlier[0] && ['pending', 'running', 'success'].includes(earlier[0].status) ? earlier[0] : undefined;
  if (!job) {
    const trigger = await conn.execute<{ owner_id: string | null; api_key_id: string | null }[]>(
      `select trigger->>'owner_id' as owner_id, trigger->>'api_key_id' as api_key_id from workflow_runs where id = ?`,
      [request.runId],
    );
    const owner = trigger[0]?.owner_id;
    if (!owner) throw new AppError(400, 'the run has no owner to bill the agent turn to');
    const apiKeyId = trigger[0]?.api_key_id ?? null;
    await new BudgetGuard(services.orm.em.fork()).assertWithinBudget(apiKeyId);
    const start = {
      id: randomUUID(),
      workspaceId: request.workspaceId,
      agentId: agent.id,
      agentVersion: agent.version,
      sessionId: null,
      source: 'workflow' as const,
      apiKeyId,
      ownerId: owner,
      model: chooseModel(services.config.models, agent.model, request.modelId),
      message: request.message,
      context: null,
      idempotencyKey: null,
      idempotencyHash: null,
      runId: request.runId,
      nodeId: request.nodeId,
    };
    await insertJob(services.orm.em.fork(), start);
    await launchJob(services, start, agent, { failJob: true });
    job = { id: start.id, status: 'pending', model: start.model };
  }
  const handle = services.temporal.client.workflow.getHandle(jobWorkflowId(job.id));
  const cancel = () => void handle.cancel().catch(() => undefined);
  request.signal.addEventListener('abort', cancel, { once: true });
  try {
    await handle.result().catch(() => undefined);
  } finally {
    request.signal.removeEventListener('abort', cancel);
  }
  const row = await new JobStore(services.orm.em.fork()).outcome(job.id);
  if (row?.status !== 'success') {
    throw new AppError(
      500,
      `agent turn ${job.id} ${row?.status ?? 'failed'}: ${row?.errorMessage ?? 'no answer'}`,
    );
  }
  return { message: row.finalMessage ?? '', job_id: job.id, model: job.model };
}
