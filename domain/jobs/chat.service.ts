import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import { AppError, NotFoundError, UnavailableError, UnprocessableError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { JsonValue, Source } from '../../core/run-status.ts';
import type { A2aOrigin } from '../../core/tasks/task-parts.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { Services } from '../../infra/services.ts';
import { chooseModel } from '../agents/model-choice.ts';
import { BudgetGuard } from '../billing/budget-guard.ts';
import { IDEMPOTENCY_KEY_TTL_MS, requestHash } from '../runs/idempotency.ts';
import type { Caller } from '../tenants/caller.ts';
import { continueJob } from './job-input.service.ts';
import { insertJob, launchJob, type JobStart } from './job-launcher.ts';
import { JobStore, type JobRecord } from './job-store.ts';
import { loadJobUsage, NO_USAGE } from './job-view.ts';
import { awaitJobSettled } from './job-wait.ts';

export interface ChatRequest {
  readonly agentId: string;
  readonly message: string;
  readonly sessionId?: string | undefined;
  readonly modelId?: string | undefined;
  readonly context?: JsonValue | undefined;
  readonly source: Source;
  readonly idempotencyKey?: string | undefined;
  /** How A2A asked for the turn, when it did (recorded on the job); its `context_id` picks the session. */
  readonly a2a?: A2aOrigin | undefined;
}

export interface ChatDeps {
  readonly services: Services;
  readonly agents: { resolve(workspaceId: string, agentId: string): Promise<AgentSpec | undefined> };
}

/** A started (or replayed) chat turn. */
export interface StartedJob {
  readonly jobId: string;
  readonly sessionId: string;
  readonly agentId: string;
}

/**
 * Starts one turn of `agentId` for the caller: resolves the agent (404 outside the workspace), the
 * model (400 for an unconfigured provider), checks the key's budget (402), the session (404 unless
 * it is this workspace's and agent's), records the job `pending`, then starts `job:<id>`.
 * The same Idempotency-Key with the same request returns the first job (422 with another one).
 * A session whose latest job waits for input (`input_required`) is continued instead: the message is
 * that job's reply, and the answer is that job's.
 */
export async function startChat(deps: ChatDeps, caller: Caller, request: ChatRequest): Promise<StartedJob> {
  const { services } = deps;
  const em = services.orm.em.fork();
  const agent = await deps.agents.resolve(caller.workspaceId, request.agentId);
  if (!agent) throw new NotFoundError('Agent');
  const hash = request.idempotencyKey ? chatHash(request) : undefined;
  if (request.idempotencyKey) {
    const prior = await findJobKeyHolder(em, caller.workspaceId, request.idempotencyKey);
    if (prior) return replay(deps, prior, hash, agent);
  }
  const model = chooseModel(services.config.models, agent.model, request.modelId);
  // Before the session: a refused turn leaves no empty session behind.
  await new BudgetGuard(em).assertWithinBudget(caller.apiKeyId);
  const sessionId = request.sessionId
    ? await existingSession(em, caller.workspaceId, agent.id, request.sessionId)
    : await newSession(em, caller.workspaceId, agent.id, request.a2a?.context_id);
  const waiting = request.sessionId ? await waitingJob(em, sessionId) : undefined;
  if (waiting) {
    const input = {
      message: request.message,
      ...(request.a2a?.message_id ? { messageId: request.a2a.message_id } : {}),
      ...(request.context ? { context: request.context } : {}),
    };
    await continueJob(services, caller, waiting, input);
    return { jobId: waiting, sessionId, agentId: agent.id };
  }
  const job: JobStart = {
    id: randomUUID(),
    workspaceId: caller.workspaceId,
    agentId: agent.id,
    agentVersion: agent.version,
    sessionId,
    source: request.source,
    apiKeyId: caller.apiKeyId,
    ownerId: caller.ownerId,
    model,
    message: request.message,
    context: request.context ?? null,
    idempotencyKey: request.idempotencyKey ?? null,
    idempotencyHash: hash ?? null,
    a2a: request.a2a ?? null,
  };
  try {
    await insertJob(em, job);
  } catch (err) {
    if (!(err instanceof UniqueConstraintViolationException) || !request.idempotencyKey) throw err;
    // A concurrent request with the same key got its job in first.
    const holder = await findJobKeyHolder(em, caller.workspaceId, request.idempotencyKey);
    if (!holder) throw new UnavailableError('The Idempotency-Key is changing hands; retry the request', err);
    return replay(deps, holder, hash, agent);
  }
  await launchJob(services, job, agent, { failJob: true });
  return { jobId: job.id, sessionId, agentId: agent.id };
}

function chatHash(request: ChatRequest): string {
  return requestHash(request.agentId, {
    message: request.message,
    session_id: request.sessionId ?? null,
    model_id: request.modelId ?? null,
    context: request.context ?? null,
  });
}

async function existingSession(
  em: EntityManager,
  workspaceId: string,
  agentId: string,
  id: string,
): Promise<string> {
  if (!isUuid(id)) throw new NotFoundError('Session');
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from chat_sessions where id = ? and workspace_id = ? and agent_id = ?`,
      [id, workspaceId, agentId],
    );
  if (!rows[0]) throw new NotFoundError('Session');
  return id;
}

/** The session's latest job when it waits for input. */
async function waitingJob(em: EntityManager, sessionId: string): Promise<string | undefined> {
  const [latest] = await em
    .getConnection()
    .execute<{ id: string; status: string }[]>(
      `select id, status from jobs where session_id = ? order by created_at desc, id desc limit 1`,
      [sessionId],
    );
  return latest?.status === 'input_required' ? latest.id : undefined;
}

/**
 * A new session, or with an A2A `contextId` the session of that context for this agent (created on
 * its first message; the unique (workspace, agent, context) makes concurrent firsts share one).
 */
async function newSession(
  em: EntityManager,
  workspaceId: string,
  agentId: string,
  contextId?: string,
): Promise<string> {
  const [row] = await em.getConnection().execute<{ id: string }[]>(
    `insert into chat_sessions (id, workspace_id, agent_id, context_id, created_at, updated_at)
     values (?, ?, ?, ?, now(), now())
     on conflict (workspace_id, agent_id, context_id) do update set updated_at = chat_sessions.updated_at
     returning id`,
    [randomUUID(), workspaceId, agentId, contextId ?? null],
  );
  return row!.id;
}

/** The job holding `key` in the workspace within IDEMPOTENCY_KEY_TTL_MS, else null (an older one gives it up). */
async function findJobKeyHolder(
  em: EntityManager,
  workspaceId: string,
  key: string,
): Promise<JobRecord | null> {
  const holder = await new JobStore(em).holdingKey(workspaceId, key);
  if (!holder) return null;
  if (holder.createdAt.getTime() > Date.now() - IDEMPOTENCY_KEY_TTL_MS) return holder;
  await em
    .getConnection()
    .execute(`update jobs set idempotency_key = null where id = ? and idempotency_key = ?`, [holder.id, key]);
  return null;
}

async function replay(
  deps: ChatDeps,
  prior: JobRecord,
  hash: string | undefined,
  agent: AgentSpec,
): Promise<StartedJob> {
  if (prior.idempotencyHash !== hash) {
    throw new UnprocessableError('Idempotency-Key was already used with a different request');
  }
  // The first request may still be between its insert and its start: starting again is a no-op.
  if (prior.status === 'pending') await launchJob(deps.services, prior, agent, { failJob: false });
  // Only chats carry an Idempotency-Key, and every chat job has its session.
  return { jobId: prior.id, sessionId: prior.sessionId!, agentId: prior.agentId };
}

/** The answer of a turn that ended, or paused to ask the caller something, as the chat endpoint returns it. */
export interface ChatAnswer {
  /** `input_required`: the turn asks `message`; reply in the same session to continue it. */
  readonly status: 'success' | 'input_required';
  readonly message: string;
  readonly session_id: string;
  readonly agent_id: string;
  readonly job_id: string;
  readonly usage: { input_tokens: number | null; output_tokens: number | null; cost_micros: number | null };
}

/**
 * Waits for the job to end or to ask for input (its workflow writes the job's row first), then reads
 * the job. The wait does not depend on the caller: a turn whose caller hung up still completes and is
 * recorded. A failed turn is a 500 naming the failing step; a cancelled one a 409.
 */
export async function awaitChat(
  services: Services,
  started: StartedJob,
  stop: AbortSignal,
): Promise<ChatAnswer> {
  const details = { job_id: started.jobId, session_id: started.sessionId };
  if (!(await awaitJobSettled(services, started.jobId, stop))) {
    throw new AppError(
      503,
      'The server is stopping; the agent turn goes on: read it at GET /api/v1/jobs/{job_id}',
      {
        details,
      },
    );
  }
  const em = services.orm.em.fork();
  const [row, usage] = await Promise.all([
    new JobStore(em).outcome(started.jobId),
    loadJobUsage(em, [started.jobId]),
  ]);
  if (!row || row.status === 'failed') {
    throw new AppError(500, row?.errorMessage ?? 'the agent turn failed', { details });
  }
  if (row.status === 'cancelled') throw new AppError(409, 'The agent turn was cancelled', { details });
  if (row.status !== 'success' && row.status !== 'input_required') {
    throw new AppError(500, 'the agent turn ended without an answer', { details });
  }
  const { input_tokens, output_tokens, cost_micros } = usage.get(started.jobId) ?? NO_USAGE;
  return {
    status: row.status,
    message: (row.status === 'success' ? row.finalMessage : row.question) ?? '',
    session_id: started.sessionId,
    agent_id: started.agentId,
    job_id: started.jobId,
    // As the job's own view counts it: a total is null once any call's value is unknown.
    usage: { input_tokens, output_tokens, cost_micros },
  };
}
